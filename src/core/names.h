/*-------------------------------------------------------------------------
 *
 * names.h
 *	  Flyway's script file names and migration versions: parsing and ordering.
 *
 * Pure logic: no backend-only calls, so it also builds with -DFRONTEND for
 * unit tests and fuzzing.  Memory comes from palloc (libpgcommon's palloc in
 * frontend builds).  Errors are returned, never thrown.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_MIGRATE_NAMES_H
#define PG_MIGRATE_NAMES_H

/*
 * A version's numeric order as bytes whose memcmp() order is that order, so
 * sorting and searching thousands of versions never re-read digit strings:
 * each part without leading zeros as a 4-byte big-endian length and its
 * digits, trailing zero parts left out ("1", "1.0" and "001" give the same
 * key).  This is the one definition of Flyway's version order.
 */
typedef struct VersionKey
{
	const unsigned char *bytes;
	int			len;
} VersionKey;

/*
 * A migration version.  "text" is what Flyway stores in the history table:
 * the version part of the file name with every '_' replaced by '.', leading
 * zeros kept ("V001_2__x.sql" -> "001.2").  "parts" is the numeric value:
 * each dot-separated part as decimal digits without leading zeros ("0" for
 * zero), trailing zero parts dropped except the first.  "key" is its order.
 * A zeroed MigrationVersion compares as the lowest version ("0").
 */
typedef struct MigrationVersion
{
	char	   *text;
	int			nparts;
	char	  **parts;
	VersionKey	key;
} MigrationVersion;

/*
 * Parse a version's text as Flyway does (MigrationVersion.fromVersion):
 * '_' -> '.', split on '.' followed by a digit, every part an unsigned
 * decimal integer of any length.  "1", "001", "1.2.3", "2013_01_15" are
 * valid; "", "1.", "1..2", "1.a", "-1", "1 2" are not.
 * On failure returns false and sets *errmsg to a sentence saying why.
 */
extern bool version_parse(const char *text, MigrationVersion *out, char **errmsg);

/* Numeric comparison: <0, 0, >0.  "1.10" > "1.9"; "1" == "1.0" == "001". */
extern int	version_compare(const MigrationVersion *a, const MigrationVersion *b);

/* version_compare() on the keys: inline, for sorts and searches. */
static inline int
version_key_compare(const VersionKey *a, const VersionKey *b)
{
	int			common = a->len < b->len ? a->len : b->len;
	int			c = common > 0 ? memcmp(a->bytes, b->bytes, common) : 0;

	if (c != 0)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

/* The kinds of file Flyway recognises by prefix. */
typedef enum ScriptKind
{
	SCRIPT_VERSIONED,			/* V<version>__<desc>.sql */
	SCRIPT_REPEATABLE,			/* R__<desc>.sql */
	SCRIPT_UNDO,				/* U<version>__<desc>.sql */
	SCRIPT_BASELINE,			/* B<version>__<desc>.sql */
	SCRIPT_CALLBACK				/* <event>[__<desc>].sql, e.g. beforeMigrate.sql */
} ScriptKind;

typedef struct ScriptName
{
	ScriptKind	kind;
	MigrationVersion version;	/* V, U, B only; zeroed otherwise */
	char	   *description;	/* '_' -> ' '; "" when absent */
	const char *event;			/* SCRIPT_CALLBACK only: the event id */
} ScriptName;

typedef enum NameResult
{
	NAME_OK,					/* a recognised script; *out filled */
	NAME_NOT_SCRIPT,			/* no SQL suffix (case-insensitive): ignore silently */
	NAME_INVALID				/* a SQL file whose name breaks the rules; *errmsg says how */
} NameResult;

/*
 * Flyway's file-name conventions: sqlMigrationPrefix, repeatable-,
 * undo- and baselineMigrationPrefix (by ScriptKind), sqlMigrationSeparator
 * and sqlMigrationSuffixes.  Prefixes are case-sensitive, suffixes are
 * matched case-insensitively, the first that matches wins.
 */
typedef struct ScriptNaming
{
	const char *prefixes[SCRIPT_CALLBACK];	/* V, R, U, B by ScriptKind */
	const char *separator;		/* "__" */
	const char *const *suffixes;	/* ".sql" */
	int			nsuffixes;
} ScriptNaming;

/* Flyway's defaults: V, R, U, B, "__", ".sql". */
extern const ScriptNaming script_naming_default;

/* The settings behind a ScriptNaming, for reading them and for messages. */
typedef enum NamingSetting
{
	NAMING_SQL_MIGRATION_PREFIX,
	NAMING_SQL_MIGRATION_SEPARATOR,
	NAMING_SQL_MIGRATION_SUFFIXES,	/* a comma-separated list */
	NAMING_REPEATABLE_PREFIX,
	NAMING_UNDO_PREFIX,
	NAMING_BASELINE_PREFIX,
	NAMING_SETTING_COUNT
} NamingSetting;

/* Flyway's keys ("sqlMigrationPrefix", ...) and defaults, by NamingSetting. */
extern const char *const naming_setting_keys[NAMING_SETTING_COUNT];
extern const char *const naming_setting_defaults[NAMING_SETTING_COUNT];

/*
 * Whether one setting's value can be used at all, whatever the others say
 * (a GUC check hook's test): no empty prefix or separator, a suffix list
 * with text in every item, no '/' anywhere, no suffix ending in ".conf".
 * false + *errmsg (a sentence) when not.
 */
extern bool script_naming_check_value(NamingSetting setting, const char *value, char **errmsg);

/*
 * The conventions of the settings' values (by NamingSetting; NULL = Flyway's
 * default), each checked as above and together: no two kinds with one
 * prefix, no prefix that is a callback event id or contains the separator.
 * names[] says what messages call the settings.  false + *bad (the setting
 * at fault) + *errmsg when they cannot be used.
 */
extern bool script_naming_from_settings(const char *const values[NAMING_SETTING_COUNT],
										const char *const names[NAMING_SETTING_COUNT],
										ScriptNaming *out, NamingSetting *bad, char **errmsg);

/* Free what script_naming_from_settings() allocated (not script_naming_default). */
extern void script_naming_free(ScriptNaming *naming);

/*
 * What a kind's file name looks like, for hints: "V<version>__<description>.sql",
 * or with version given "U2__<description>.sql"; "R__<description>.sql".
 */
extern char *script_naming_example(const ScriptNaming *naming, ScriptKind kind,
								   const char *version);

/* Whether filename is a script configuration file: "<name><suffix>.conf". */
extern bool script_naming_is_conf(const ScriptNaming *naming, const char *filename);

/*
 * Parse a file name (no directory part) with the given conventions (Flyway's
 * ResourceNameParser): the first matching suffix stripped, the longest of
 * the prefixes and callback event ids that starts the rest, then the first
 * separator.  See docs/flyway-compatibility.md for the rules and their
 * consequences ("README.sql" is an invalid repeatable, "v1__x.sql" is
 * invalid).
 */
extern NameResult script_name_parse(const ScriptNaming *naming, const char *filename,
									ScriptName *out, char **errmsg);

/* The callback event ids Flyway recognises, NULL-terminated. */
extern const char *const callback_events[];

/*
 * Java's String.compareTo on the UTF-16 code units of two UTF-8 strings:
 * Flyway orders repeatables (and callbacks) by description with it.
 */
extern int	java_string_compare(const char *a, const char *b);

/* Java's String.hashCode of a UTF-8 string (as UTF-16 code units). */
extern int32 java_string_hash(const char *s);

/*
 * Flyway's abbreviations for the history table: a description longer than
 * 200 characters becomes its first 197 characters + "..."; a script path
 * longer than 1000 characters becomes "..." + characters 3..999.
 * Lengths are in characters (code points), not bytes.
 */
extern char *abbreviate_description(const char *description);
extern char *abbreviate_script(const char *script);

/*
 * The history table's columns that Flyway does not abbreviate, in
 * characters (its DDL: version VARCHAR(50), installed_by VARCHAR(100)).
 * A longer value could not be recorded, so it is refused before anything
 * runs, not when the INSERT fails after a migration ran.
 */
#define HISTORY_VERSION_CHARS		50
#define HISTORY_INSTALLED_BY_CHARS	100

/*
 * Whether a value fits a history column of max_chars characters (UTF-8
 * code points); false + *errmsg ("... has N characters; the history
 * table's <column> column holds at most M") when it does not.
 */
extern bool history_column_fits(const char *value, int max_chars, const char *column,
								char **errmsg);

/* history_column_fits() for a version's text (MigrationVersion.text). */
extern bool version_fits_history(const char *text, char **errmsg);

#endif							/* PG_MIGRATE_NAMES_H */
