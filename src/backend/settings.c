/*-------------------------------------------------------------------------
 *
 * settings.c
 *	  The pg_migrate.* settings: their variables, their definitions and
 *	  checks, and reading them into the shapes their users need.
 *
 * What each setting means is in docs/reference.md; who may set which, and
 * why, in docs/security.md.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/guc.h"

#include "engine.h"
#include "fetch.h"
#include "location_files.h"
#include "pg_migrate.h"
#include "plan.h"
#include "properties.h"
#include "script_encoding.h"
#include "sync.h"

/* Settings; see docs/reference.md for what each one means. */
char	   *pgm_locations = NULL;
char	   *pgm_schema = NULL;
char	   *pgm_schemas = NULL;
bool		pgm_create_schemas = true;
char	   *pgm_tablespace = NULL;
int			pgm_lock_retry_count = 50;
char	   *pgm_table = NULL;
char	   *pgm_placeholders = NULL;
bool		pgm_placeholder_replacement = true;
bool		pgm_validate_naming = false;
bool		pgm_out_of_order = false;
bool		pgm_baseline_on_migrate = false;
char	   *pgm_baseline_version = NULL;
char	   *pgm_baseline_description = NULL;
char	   *pgm_installed_by = NULL;
bool		pgm_mixed = false;
char	   *pgm_ignore_migration_patterns = NULL;
bool		pgm_validate_on_migrate = true;
bool		pgm_skip_executing_migrations = false;
char	   *pgm_cherry_pick = NULL;
bool		pgm_fail_on_missing_locations = false;
bool		pgm_fail_on_missing_target = true;
char	   *pgm_encoding = NULL;
bool		pgm_allow_symlinks_outside_locations = false;
bool		pgm_clean_disabled = true;
char	   *pgm_placeholder_prefix = NULL;
char	   *pgm_placeholder_suffix = NULL;
char	   *pgm_placeholder_separator = NULL;

/* Remote locations and the sync worker (sync.c, sync_worker.c). */
bool		pgm_sync_on_apply = true;
char	   *pgm_ca_file = NULL;
int			pgm_http_timeout = 30;
int			pgm_max_script_size = 10 * 1024;	/* kB */
int			pgm_fetch_retries = 3;
char	   *pgm_s3_region = NULL;
char	   *pgm_s3_endpoint = NULL;
char	   *pgm_s3_credentials_file = NULL;
char	   *pgm_sync_redirect_hosts = NULL;
char	   *pgm_databases = NULL;
int			pgm_sync_interval = 60;
bool		pgm_auto_apply = false;
char	   *pgm_apply_role = NULL;

static void define_sync_settings(void);
static void define_naming_settings(void);

static bool check_placeholders(char **newval, void **extra, GucSource source);
static bool check_version_setting(char **newval, void **extra, GucSource source);
static bool check_installed_by(char **newval, void **extra, GucSource source);
static bool check_ignore_patterns(char **newval, void **extra, GucSource source);
static bool check_table_name(char **newval, void **extra, GucSource source);
static bool check_schema_name(char **newval, void **extra, GucSource source);
static bool check_schema_list(char **newval, void **extra, GucSource source);
static bool check_tablespace_name(char **newval, void **extra, GucSource source);
static bool check_s3_endpoint(char **newval, void **extra, GucSource source);
static bool check_redirect_hosts(char **newval, void **extra, GucSource source);
static bool check_placeholder_syntax(char **newval, void **extra, GucSource source);
static bool check_encoding(char **newval, void **extra, GucSource source);

/*
 * settings_define
 *		Define every pg_migrate.* setting; the sync worker's only when the
 *		library is preloaded.  Called once, from _PG_init().
 */
void
settings_define(void)
{
	DefineCustomStringVariable("pg_migrate.locations",
							   "Where migration scripts are read from.",
							   "A comma-separated list of filesystem:/absolute/dir entries, read recursively.",
							   &pgm_locations, "",
							   PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.allow_symlinks_outside_locations",
							 "Follow symbolic links in a location that lead outside it.",
							 "Off: such a link is refused, since whoever can write into a location could read any file the server can.",
							 &pgm_allow_symlinks_outside_locations, false,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.schema",
							   "Schema of the history table (Flyway's defaultSchema); empty means the first of pg_migrate.schemas, else the current schema.",
							   NULL, &pgm_schema, "",
							   PGC_USERSET, 0, check_schema_name, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.schemas",
							   "Schemas the migrations manage (Flyway's schemas), separated by commas.",
							   "The first holds the history table unless pg_migrate.schema names another; missing ones are created with it when pg_migrate.create_schemas is on.",
							   &pgm_schemas, "",
							   PGC_USERSET, 0, check_schema_list, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.create_schemas",
							 "Create the missing schemas of pg_migrate.schema and pg_migrate.schemas with the history table.",
							 NULL, &pgm_create_schemas, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.tablespace",
							   "Tablespace the history table is created in; empty means the database's default.",
							   NULL, &pgm_tablespace, "",
							   PGC_USERSET, 0, check_tablespace_name, NULL, NULL);
	DefineCustomIntVariable("pg_migrate.lock_retry_count",
							"Times to try again, a second apart, to take the migration lock another session holds (Flyway's lockRetryCount).",
							"-1 waits for as long as it takes.",
							&pgm_lock_retry_count, 50, -1, INT_MAX,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.table",
							   "Name of the history table.",
							   NULL, &pgm_table, "flyway_schema_history",
							   PGC_USERSET, 0, check_table_name, NULL, NULL);
	/*
	 * Superuser-only: its values become SQL text in the scripts, so one a
	 * database owner preset (ALTER DATABASE ... SET) would run with the
	 * rights of whoever migrates next.  A caller passes its own per call.
	 */
	DefineCustomStringVariable("pg_migrate.placeholders",
							   "Placeholder values, as a JSON object of name to value.",
							   NULL, &pgm_placeholders, "",
							   PGC_SUSET, 0, check_placeholders, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.placeholder_replacement",
							 "Replace ${name} placeholders in scripts.",
							 NULL, &pgm_placeholder_replacement, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.validate_naming",
							 "Fail on badly named .sql files instead of skipping them with a warning.",
							 NULL, &pgm_validate_naming, false,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.out_of_order",
							 "Apply pending versions lower than the highest applied version.",
							 NULL, &pgm_out_of_order, false,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.baseline_on_migrate",
							 "Baseline a non-empty schema that has no history table before applying.",
							 NULL, &pgm_baseline_on_migrate, false,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.baseline_version",
							   "Version recorded by a baseline.",
							   NULL, &pgm_baseline_version, "1",
							   PGC_USERSET, 0, check_version_setting, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.baseline_description",
							   "Description recorded by a baseline.",
							   NULL, &pgm_baseline_description, "<< Flyway Baseline >>",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.installed_by",
							   "Name recorded in installed_by; empty means the current user.",
							   NULL, &pgm_installed_by, "",
							   PGC_SUSET, 0, check_installed_by, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.mixed",
							 "Allow scripts that mix statements that must run outside a transaction with others.",
							 NULL, &pgm_mixed, false,
							 PGC_USERSET, 0, NULL, NULL, NULL);

	/*
	 * Flyway's escape hatches.  User-settable like out_of_order: each only
	 * relaxes what the caller's own migrate_apply() checks or runs, which
	 * whoever may call it could already change (repair, baseline).
	 */
	DefineCustomStringVariable("pg_migrate.ignore_migration_patterns",
							   "Validation problems to ignore, as Flyway's ignoreMigrationPatterns.",
							   "A comma-separated list of type:status; type is *, versioned or repeatable, status is *, missing, pending, ignored or future.  Empty: ignore nothing.",
							   &pgm_ignore_migration_patterns, "*:future",
							   PGC_USERSET, 0, check_ignore_patterns, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.validate_on_migrate",
							 "Validate before applying (Flyway's validateOnMigrate).",
							 NULL, &pgm_validate_on_migrate, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.skip_executing_migrations",
							 "Record pending migrations in the history without running their statements.",
							 "Callbacks still run, as in Flyway: for a change already made by hand.",
							 &pgm_skip_executing_migrations, false,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.cherry_pick",
							   "Apply only these migrations (Flyway's cherryPick).",
							   "A comma-separated list of versions and repeatable descriptions; empty: all.",
							   &pgm_cherry_pick, "",
							   PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.fail_on_missing_locations",
							 "Fail when a filesystem location does not exist, instead of warning.",
							 NULL, &pgm_fail_on_missing_locations, false,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.fail_on_missing_target",
							 "Fail when no migration has the target version (Flyway's failOnMissingTarget).",
							 "Off: a target version no script has is read as if written with '?'.",
							 &pgm_fail_on_missing_target, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.encoding",
							   "Encoding of scripts without one in their .conf file (Flyway's encoding).",
							   "UTF-8, UTF-16 (with a byte-order mark), UTF-16LE, UTF-16BE, US-ASCII, or one of PostgreSQL's: ISO-8859-1, windows-1252, ...",
							   &pgm_encoding, "UTF-8",
							   PGC_USERSET, 0, check_encoding, NULL, NULL);

	define_naming_settings();
	/*
	 * A safety catch, as Flyway's cleanDisabled, not a privilege: whoever
	 * may execute migrate_clean() (nobody, until a DBA grants it) turns it
	 * off for the call, and can only drop what it owns.
	 */
	DefineCustomBoolVariable("pg_migrate.clean_disabled",
							 "Refuse migrate_clean() (Flyway's cleanDisabled).",
							 "Off: migrate_clean() drops every object in the managed schemas.",
							 &pgm_clean_disabled, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	/*
	 * Superuser-only like pg_migrate.placeholders: they decide which text
	 * of a script the values replace, so one preset by a database owner
	 * must not change how the next migration's scripts are read.
	 */
	DefineCustomStringVariable("pg_migrate.placeholder_prefix",
							   "What starts a placeholder in a script (Flyway's placeholderPrefix).",
							   NULL, &pgm_placeholder_prefix, "${",
							   PGC_SUSET, 0, check_placeholder_syntax, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.placeholder_suffix",
							   "What ends a placeholder in a script (Flyway's placeholderSuffix).",
							   NULL, &pgm_placeholder_suffix, "}",
							   PGC_SUSET, 0, check_placeholder_syntax, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.placeholder_separator",
							   "What separates \"flyway\" from a built-in placeholder's name, as in flyway:user (Flyway's placeholderSeparator).",
							   NULL, &pgm_placeholder_separator, ":",
							   PGC_SUSET, 0, check_placeholder_syntax, NULL, NULL);

	define_sync_settings();

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("pg_migrate");
#else
	EmitWarningsOnPlaceholders("pg_migrate");
#endif
}

/*
 * Settings of remote locations, then (only when preloaded) those of the
 * sync worker.  Connection settings are PGC_SUSET: a
 * role that may call migrate_sync() must not point the server at another
 * host or CA.  Credentials are also GUC_SUPERUSER_ONLY (hidden from
 * pg_settings and SHOW for everyone else) and GUC_NO_SHOW_ALL.
 */
static void
define_sync_settings(void)
{
	DefineCustomBoolVariable("pg_migrate.sync_on_apply",
							 "Sync remote locations before migrate_apply() and migrate_info().",
							 NULL, &pgm_sync_on_apply, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.ca_file",
							   "CA certificates (PEM) trusted for https and S3; empty means the system bundle.",
							   NULL, &pgm_ca_file, "",
							   PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_migrate.http_timeout",
							"Time limit of one request to a remote location.",
							"The connect phase gets at most 10 s of it.",
							&pgm_http_timeout, 30, 1, 3600,
							PGC_SUSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_migrate.max_script_size",
							"Largest script fetched from a remote location.",
							NULL, &pgm_max_script_size, 10 * 1024, 1, 512 * 1024,
							PGC_SUSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_migrate.fetch_retries",
							"Retries of a request that failed with a network error or a 5xx status.",
							NULL, &pgm_fetch_retries, 3, 0, 10,
							PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.s3_region",
							   "Region of s3:// locations; empty means AWS_REGION, AWS_DEFAULT_REGION, else us-east-1.",
							   NULL, &pgm_s3_region, "",
							   PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.s3_endpoint",
							   "https://host[:port] of an S3-compatible store (path-style requests); empty means AWS.",
							   NULL, &pgm_s3_endpoint, "",
							   PGC_SUSET, 0, check_s3_endpoint, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.sync_redirect_hosts",
							   "Hosts other than a location's own that its https redirects may lead to.",
							   "Host names separated by commas; empty means redirects stay on the location's host and port.",
							   &pgm_sync_redirect_hosts, "",
							   PGC_SUSET, 0, check_redirect_hosts, NULL, NULL);
	/*
	 * Secrets never go into settings: PostgreSQL logs a setting's new value
	 * on reload, shows custom settings to anyone in a session that has not
	 * loaded the library, and lets everyone read ALTER DATABASE/ROLE SET
	 * values.  The setting names a file only the server's user can read.
	 */
	DefineCustomStringVariable("pg_migrate.s3_credentials_file",
							   "File with the AWS credentials for s3:// locations; empty means the environment, ECS or EC2.",
							   "AWS shared-credentials format: aws_access_key_id, aws_secret_access_key, aws_session_token.",
							   &pgm_s3_credentials_file, "",
							   PGC_SUSET, 0, NULL, NULL, NULL);

	/* The SQL functions work without preloading; the worker does not. */
	if (!process_shared_preload_libraries_in_progress || IsBinaryUpgrade)
		return;

	DefineCustomStringVariable("pg_migrate.databases",
							   "Databases the sync worker serves: a comma-separated list, or * for all.",
							   NULL, &pgm_databases, "",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_migrate.sync_interval",
							"Time between two syncs by the sync worker; 0 means only on demand.",
							NULL, &pgm_sync_interval, 60, 0, 7 * 24 * 3600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_migrate.auto_apply",
							 "Apply after a sync by the worker that brought new scripts.",
							 NULL, &pgm_auto_apply, false,
							 PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("pg_migrate.apply_role",
							   "Role the sync worker connects as, and applies as with pg_migrate.auto_apply.",
							   NULL, &pgm_apply_role, "",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
}

static bool
check_s3_endpoint(char **newval, void **extra, GucSource source)
{
	if (**newval != '\0' && pg_strncasecmp(*newval, "https://", 8) != 0)
	{
		GUC_check_errdetail("The endpoint must be an https:// URL.");
		GUC_check_errhint("Give https://host[:port], or nothing for AWS.");
		return false;
	}
	return true;
}

static bool
check_redirect_hosts(char **newval, void **extra, GucSource source)
{
	char	   *why = NULL;

	if (!fetch_redirect_hosts_valid(*newval, &why))
	{
		GUC_check_errdetail("%s", why);
		GUC_check_errhint("Give host names separated by commas, such as 'cdn.example.com, downloads.example.net'.");
		return false;
	}
	return true;
}

/*
 * An empty prefix, suffix or separator is refused at SET time, as Flyway
 * refuses it; how they combine is checked when a run starts.
 */
static bool
check_placeholder_syntax(char **newval, void **extra, GucSource source)
{
	if (*newval != NULL && **newval == '\0')
	{
		GUC_check_errdetail("A placeholder prefix, suffix or separator cannot be empty.");
		GUC_check_errhint("Flyway's defaults are ${, } and :; RESET the setting to use them.");
		return false;
	}
	return true;
}

/* A bad JSON value is refused at SET time, not at the next apply. */
static bool
check_placeholders(char **newval, void **extra, GucSource source)
{
	PlaceholderSet set;
	char	   *why = NULL;

	placeholders_init(&set);
	if (!placeholders_add_json(&set, *newval, &why))
	{
		/* PostgreSQL's own message would quote the value, secrets and all */
		GUC_check_errmsg("invalid value for parameter \"pg_migrate.placeholders\"");
		GUC_check_errdetail("%s", why);
		GUC_check_errhint("Give a JSON object such as '{\"schema_owner\": \"app\"}'.");
		return false;
	}
	return true;
}

static bool
check_version_setting(char **newval, void **extra, GucSource source)
{
	MigrationVersion version;
	char	   *why = NULL;

	if (!version_parse(*newval, &version, &why) || !version_fits_history(*newval, &why))
	{
		GUC_check_errdetail("%s", why);
		return false;
	}
	return true;
}

/* A pattern Flyway would refuse is refused when set, naming it. */
static bool
check_ignore_patterns(char **newval, void **extra, GucSource source)
{
	PlanOptions opts;
	char	   *why = NULL;

	memset(&opts, 0, sizeof(opts));
	if (!plan_parse_ignore_patterns(*newval, &opts, &why))
	{
		GUC_check_errdetail("%s", why);
		GUC_check_errhint("Use a comma-separated list of type:status, such as '*:missing,versioned:ignored'.");
		return false;
	}
	return true;
}

/* An encoding no script can be read in is refused when set, before any run. */
static bool
check_encoding(char **newval, void **extra, GucSource source)
{
	char	   *why = NULL;

	if (script_encoding_canonical(*newval, &why) == NULL)
	{
		GUC_check_errdetail("%s", why);
		GUC_check_errhint("Use a name Flyway accepts, such as UTF-8, ISO-8859-1, windows-1252 or UTF-16.");
		return false;
	}
	return true;
}

/* A name the history table cannot hold would fail every apply after its first migration. */
static bool
check_installed_by(char **newval, void **extra, GucSource source)
{
	char	   *why = NULL;

	if (!history_column_fits(*newval, HISTORY_INSTALLED_BY_CHARS, "installed_by", &why))
	{
		GUC_check_errdetail("%s", why);
		return false;
	}
	return true;
}

static bool
check_table_name(char **newval, void **extra, GucSource source)
{
	if (**newval == '\0')
	{
		GUC_check_errdetail("The history table needs a name.");
		return false;
	}
	if (strlen(*newval) >= NAMEDATALEN)
	{
		GUC_check_errdetail("Table names are at most %d bytes long.", NAMEDATALEN - 1);
		return false;
	}
	return true;
}

/* One schema name: not empty, not too long. */
static bool
schema_name_fits(const char *name, size_t len)
{
	if (len == 0)
	{
		GUC_check_errdetail("A schema name is empty.");
		GUC_check_errhint("Separate the names with single commas.");
		return false;
	}
	if (len >= NAMEDATALEN)
	{
		GUC_check_errdetail("Schema names are at most %d bytes long.", NAMEDATALEN - 1);
		return false;
	}
	return true;
}

/*
 * One schema (Flyway's defaultSchema): a comma is refused, not taken as
 * part of a name, since 's1,s2' here means the list pg_migrate.schemas is.
 */
static bool
check_schema_name(char **newval, void **extra, GucSource source)
{
	if (**newval == '\0')
		return true;
	if (strchr(*newval, ',') != NULL)
	{
		GUC_check_errdetail("pg_migrate.schema names the one schema of the history table; a comma would make it part of that name.");
		GUC_check_errhint("Give a list in pg_migrate.schemas (the first holds the history table), and leave pg_migrate.schema empty or set it to one of them.");
		return false;
	}
	return schema_name_fits(*newval, strlen(*newval));
}

static bool
check_schema_list(char **newval, void **extra, GucSource source)
{
	const char *cursor = *newval;
	const char *entry;
	size_t		len;

	if (**newval == '\0')
		return true;
	while (properties_next_list_item(&cursor, &entry, &len))
		if (!schema_name_fits(entry, len))
			return false;
	return true;
}

static bool
check_tablespace_name(char **newval, void **extra, GucSource source)
{
	if (strlen(*newval) >= NAMEDATALEN)
	{
		GUC_check_errdetail("Tablespace names are at most %d bytes long.", NAMEDATALEN - 1);
		return false;
	}
	return true;
}

/*
 * settings_schemas
 *		The names in pg_migrate.schemas, trimmed, in order.
 */
char	  **
settings_schemas(int *count)
{
	const char *cursor = pgm_schemas;
	const char *entry;
	size_t		len;
	char	  **out;
	int			n = 0;

	*count = 0;
	if (pgm_schemas == NULL || pgm_schemas[0] == '\0')
		return NULL;
	out = palloc(sizeof(char *) * (strlen(pgm_schemas) + 1));
	while (properties_next_list_item(&cursor, &entry, &len))
		if (len > 0)
			out[n++] = pnstrdup(entry, len);
	*count = n;
	return out;
}

/*
 * settings_history_schema
 *		The history table's schema as configured, as Flyway picks it:
 *		pg_migrate.schema, else the first of pg_migrate.schemas; NULL when
 *		neither is set (the current schema).
 */
const char *
settings_history_schema(void)
{
	int			n;
	char	  **schemas;

	if (pgm_schema != NULL && pgm_schema[0] != '\0')
		return pgm_schema;
	schemas = settings_schemas(&n);
	return n > 0 ? schemas[0] : NULL;
}

/*
 * locations_entries
 *		The entries of pg_migrate.locations, split at commas and trimmed;
 *		empty ones dropped.  Shared by the local walk and sync.c.
 */
List *
locations_entries(void)
{
	List	   *result = NIL;
	const char *cursor = pgm_locations;
	const char *entry;
	size_t		len;

	while (properties_next_list_item(&cursor, &entry, &len))
		if (len > 0)
			result = lappend(result, pnstrdup(entry, len));
	return result;
}

/* ----------------------------------------------------------------
 *		Flyway's file-name conventions
 * ----------------------------------------------------------------
 */

/* pg_migrate.sql_migration_prefix and the rest, by NamingSetting. */
static char *naming_values[NAMING_SETTING_COUNT];

/* One value that cannot name scripts whatever the others say is refused when set. */
static bool
check_naming_value(NamingSetting setting, char **newval)
{
	char	   *why = NULL;

	if (*newval == NULL || script_naming_check_value(setting, *newval, &why))
		return true;
	GUC_check_errdetail("%s", why);
	GUC_check_errhint("Flyway's default is \"%s\".", naming_setting_defaults[setting]);
	return false;
}

static bool
check_sql_migration_prefix(char **newval, void **extra, GucSource source)
{
	return check_naming_value(NAMING_SQL_MIGRATION_PREFIX, newval);
}

static bool
check_sql_migration_separator(char **newval, void **extra, GucSource source)
{
	return check_naming_value(NAMING_SQL_MIGRATION_SEPARATOR, newval);
}

static bool
check_sql_migration_suffixes(char **newval, void **extra, GucSource source)
{
	return check_naming_value(NAMING_SQL_MIGRATION_SUFFIXES, newval);
}

static bool
check_repeatable_prefix(char **newval, void **extra, GucSource source)
{
	return check_naming_value(NAMING_REPEATABLE_PREFIX, newval);
}

static bool
check_undo_prefix(char **newval, void **extra, GucSource source)
{
	return check_naming_value(NAMING_UNDO_PREFIX, newval);
}

static bool
check_baseline_prefix(char **newval, void **extra, GucSource source)
{
	return check_naming_value(NAMING_BASELINE_PREFIX, newval);
}

/*
 * The prefixes and the separator are user-settable like
 * pg_migrate.cherry_pick: they only say which of the files with a SQL
 * suffix in the locations (a superuser's choice) are which kind of script.
 * The suffixes are superuser-only, as the locations are: they decide which
 * files are read at all, and a suffix such as ".txt" would run (and show
 * in error messages) files that were never meant as scripts.  Settings
 * that clash with each other (two kinds with one prefix, ...) are refused
 * by the engine when a run starts, since each can be SET alone.
 */
static void
define_naming_settings(void)
{
	static const struct
	{
		const char *description;
		GucContext	context;
		GucStringCheckHook check;
	}			defs[NAMING_SETTING_COUNT] = {
		{"File name prefix of versioned migrations (Flyway's sqlMigrationPrefix).",
		PGC_USERSET, check_sql_migration_prefix},
		{"Separator between a script's version and description (Flyway's sqlMigrationSeparator).",
		PGC_USERSET, check_sql_migration_separator},
		{"File name suffixes of SQL scripts, separated by commas and matched case-insensitively (Flyway's sqlMigrationSuffixes).",
		PGC_SUSET, check_sql_migration_suffixes},
		{"File name prefix of repeatable migrations (Flyway's repeatableSqlMigrationPrefix).",
		PGC_USERSET, check_repeatable_prefix},
		{"File name prefix of undo scripts (Flyway's undoSqlMigrationPrefix).",
		PGC_USERSET, check_undo_prefix},
		{"File name prefix of baseline migrations (Flyway's baselineMigrationPrefix).",
		PGC_USERSET, check_baseline_prefix},
	};

	/* the names as the engine's messages give them */
	const char *const *names = engine_wording_server.naming_names;

	for (int i = 0; i < NAMING_SETTING_COUNT; i++)
		DefineCustomStringVariable(names[i], defs[i].description, NULL, &naming_values[i],
								   naming_setting_defaults[i], defs[i].context, 0,
								   defs[i].check, NULL, NULL);
}

/*
 * settings_naming
 *		The file-name settings' values, by NamingSetting, for EngineOptions.
 */
void
settings_naming(const char *values[NAMING_SETTING_COUNT])
{
	for (int i = 0; i < NAMING_SETTING_COUNT; i++)
		values[i] = naming_values[i];
}
