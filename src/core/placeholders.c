/*-------------------------------------------------------------------------
 *
 * placeholders.c
 *	  Flyway's ${name} placeholders: the set of values (from JSON), its
 *	  syntax, and the replacement in script text, byte for byte like
 *	  Flyway's PlaceholderReplacingReader with any prefix and suffix.
 *
 * Pure logic: builds as backend code and with -DFRONTEND.
 *
 *-------------------------------------------------------------------------
 */
#ifdef FRONTEND
#include "postgres_fe.h"
#else
#include "postgres.h"
#endif

#include <cjson/cJSON.h>

#include "checksum.h"
#include "interrupts.h"
#include "placeholders.h"

#define BUILTIN_PREFIX		"flyway:"
#define BUILTIN_PREFIX_LEN	7

/* Flyway's built-ins, as ParsingContext names them. */
const char *const placeholder_builtins[] = {
	"defaultSchema", "user", "database", "timestamp", "filename", "workingDirectory",
	"table", "environment", NULL
};

void
placeholders_init(PlaceholderSet *set)
{
	set->count = 0;
	set->capacity = 0;
	set->names = NULL;
	set->values = NULL;
	set->slots = NULL;
	set->nslots = 0;
#ifndef FRONTEND
	set->mcxt = CurrentMemoryContext;
#else
	set->mcxt = NULL;
#endif
	set->prefix = PLACEHOLDER_DEFAULT_PREFIX;
	set->suffix = PLACEHOLDER_DEFAULT_SUFFIX;
	set->separator = PLACEHOLDER_DEFAULT_SEPARATOR;
}

bool
placeholders_syntax_valid(const char *prefix, const char *suffix, const char *separator,
						  char **why)
{
	char	   *namespace;
	bool		ok;

	if (prefix != NULL && prefix[0] == '\0')
	{
		*why = pstrdup("placeholderPrefix cannot be empty: every character would start a placeholder");
		return false;
	}
	if (suffix != NULL && suffix[0] == '\0')
	{
		*why = pstrdup("placeholderSuffix cannot be empty: every name would end after its first character");
		return false;
	}
	if (separator != NULL && separator[0] == '\0')
	{
		*why = pstrdup("placeholderSeparator cannot be empty: it separates \"flyway\" from the name of a built-in placeholder");
		return false;
	}
	if (suffix == NULL)
		suffix = PLACEHOLDER_DEFAULT_SUFFIX;
	/* a name ends at the first suffix: "flyway" + separator must not hold one */
	namespace = psprintf("%s%s", PLACEHOLDER_BUILTIN_NAMESPACE,
						 separator ? separator : PLACEHOLDER_DEFAULT_SEPARATOR);
	ok = strstr(namespace, suffix) == NULL;
	if (!ok)
		*why = psprintf("placeholderSuffix \"%s\" occurs in \"%s\": no built-in placeholder such as %sdefaultSchema could be written",
						suffix, namespace, namespace);
	pfree(namespace);
	return ok;
}

void
placeholders_set_syntax(PlaceholderSet *set, const char *prefix, const char *suffix,
						const char *separator)
{
#ifndef FRONTEND
	MemoryContext oldcxt = MemoryContextSwitchTo((MemoryContext) set->mcxt);
#endif

	set->prefix = pstrdup(prefix ? prefix : PLACEHOLDER_DEFAULT_PREFIX);
	set->suffix = pstrdup(suffix ? suffix : PLACEHOLDER_DEFAULT_SUFFIX);
	set->separator = pstrdup(separator ? separator : PLACEHOLDER_DEFAULT_SEPARATOR);
#ifndef FRONTEND
	MemoryContextSwitchTo(oldcxt);
#endif
}

char *
placeholders_builtin_name(const PlaceholderSet *set, const char *builtin)
{
	return psprintf("%s%s%s", PLACEHOLDER_BUILTIN_NAMESPACE, set->separator, builtin);
}

void
placeholders_set_builtin(PlaceholderSet *set, const char *builtin, const char *value)
{
	char	   *name = placeholders_builtin_name(set, builtin);

	placeholders_set(set, name, value);
	pfree(name);
}

bool
placeholders_name_is_builtin(const PlaceholderSet *set, const char *name, const char **builtin)
{
	size_t		nslen = strlen(PLACEHOLDER_BUILTIN_NAMESPACE);
	size_t		seplen = strlen(set->separator);

	*builtin = NULL;
	if (pg_strncasecmp(name, PLACEHOLDER_BUILTIN_NAMESPACE, nslen) != 0 ||
		pg_strncasecmp(name + nslen, set->separator, seplen) != 0)
		return false;
	*builtin = name + nslen + seplen;
	return true;
}

char *
placeholders_written(const PlaceholderSet *set, const char *name)
{
	return psprintf("%s%s%s", set->prefix, name, set->suffix);
}

/* FNV-1a of name[0..len) lower-cased: the same for any case of it. */
static uint32
name_hash(const char *name, size_t len)
{
	uint32		hash = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		hash ^= (unsigned char) pg_ascii_tolower((unsigned char) name[i]);
		hash *= 16777619u;
	}
	return hash;
}

/* Is the stored (lower-cased) name name[0..len) in some case? */
static bool
name_equals(const char *stored, const char *name, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		if (stored[i] == '\0' || (unsigned char) stored[i] != pg_ascii_tolower((unsigned char) name[i]))
			return false;
	}
	return stored[len] == '\0';
}

/* Index of name[0..len) in any case, or -1. */
static int
find_name(const PlaceholderSet *set, const char *name, size_t len)
{
	uint32		mask;
	uint32		slot;

	if (set->nslots == 0)
		return -1;
	mask = (uint32) set->nslots - 1;
	for (slot = name_hash(name, len) & mask; set->slots[slot] != 0; slot = (slot + 1) & mask)
	{
		if (name_equals(set->names[set->slots[slot] - 1], name, len))
			return set->slots[slot] - 1;
	}
	return -1;
}

/* Enter names[index] in the hash table, which has room for it. */
static void
add_slot(PlaceholderSet *set, int index)
{
	uint32		mask = (uint32) set->nslots - 1;
	uint32		slot = name_hash(set->names[index], strlen(set->names[index])) & mask;

	while (set->slots[slot] != 0)
		slot = (slot + 1) & mask;
	set->slots[slot] = index + 1;
}

/* Keep the hash table at most half full with one name more. */
static void
reserve_slot(PlaceholderSet *set)
{
	int			nslots;
	int			i;

	if ((set->count + 1) * 2 <= set->nslots)
		return;
	nslots = set->nslots == 0 ? 16 : set->nslots * 2;
	if (set->slots != NULL)
		pfree(set->slots);
	set->slots = palloc0(nslots * sizeof(int));
	set->nslots = nslots;
	for (i = 0; i < set->count; i++)
		add_slot(set, i);
}

/* Lower-cased copy of name[0..len).  ASCII letters only. */
static char *
lower_name(const char *name, size_t len)
{
	char	   *lower = palloc(len + 1);
	size_t		i;

	for (i = 0; i < len; i++)
		lower[i] = pg_ascii_tolower((unsigned char) name[i]);
	lower[len] = '\0';
	return lower;
}

void
placeholders_set(PlaceholderSet *set, const char *name, const char *value)
{
#ifndef FRONTEND
	MemoryContext oldcxt = MemoryContextSwitchTo((MemoryContext) set->mcxt);
#endif
	size_t		len = strlen(name);
	int			index = find_name(set, name, len);
	char	   *lower;

	if (index >= 0)
	{
		/* Copy first: value may be the very string being replaced. */
		char	   *copy = pstrdup(value);

		pfree(set->values[index]);
		set->values[index] = copy;
#ifndef FRONTEND
		MemoryContextSwitchTo(oldcxt);
#endif
		return;
	}
	if (set->count == set->capacity)
	{
		int			newcap = set->capacity == 0 ? 8 : set->capacity * 2;

		if (set->names == NULL)
		{
			set->names = palloc(newcap * sizeof(char *));
			set->values = palloc(newcap * sizeof(char *));
		}
		else
		{
			set->names = repalloc(set->names, newcap * sizeof(char *));
			set->values = repalloc(set->values, newcap * sizeof(char *));
		}
		set->capacity = newcap;
	}
	reserve_slot(set);
	lower = lower_name(name, len);
	set->names[set->count] = lower;
	set->values[set->count] = pstrdup(value);
	add_slot(set, set->count);
	set->count++;
#ifndef FRONTEND
	MemoryContextSwitchTo(oldcxt);
#endif
}

/* Lookup of name[0..len), any case; NULL when undefined. */
static const char *
lookup(const PlaceholderSet *set, const char *name, size_t len)
{
	int			index = find_name(set, name, len);

	return index >= 0 ? set->values[index] : NULL;
}

const char *
placeholders_get(const PlaceholderSet *set, const char *name)
{
	return lookup(set, name, strlen(name));
}

/*
 * Skip a JSON string literal starting at its opening quote; returns the
 * position after the closing quote.  The text has been validated by cJSON.
 */
static const char *
skip_json_string(const char *p)
{
	if (*p == '\0')
		return p;
	p++;
	while (*p && *p != '"')
	{
		if (*p == '\\' && p[1])
			p++;
		p++;
	}
	return *p ? p + 1 : p;
}

/* cJSON takes every control character as white space; so do we. */
static const char *
skip_json_space(const char *p)
{
	while (*p != '\0' && (unsigned char) *p <= ' ')
		p++;
	return p;
}

/*
 * cJSON keeps numbers only as doubles, so "1.50" or "1e3" would come back
 * changed.  Walk the validated object and fill raw[] with the text of each
 * member's value as written, in member order.  Only right for a flat
 * object (nested values are rejected anyway), but never reads past the end.
 */
static void
raw_member_values(const char *json, char **raw, int nmembers)
{
	const char *p = skip_json_space(json);
	int			i;

	if (*p)
		p++;					/* '{' */
	for (i = 0; i < nmembers; i++)
	{
		const char *start;

		p = skip_json_space(p);
		p = skip_json_string(p);	/* the name */
		p = skip_json_space(p);
		if (*p)
			p++;				/* ':' */
		p = skip_json_space(p);
		start = p;
		if (*p == '"')
			p = skip_json_string(p);
		else
		{
			/* a number, true or false */
			while ((unsigned char) *p > ' ' && *p != ',' && *p != '}')
				p++;
		}
		raw[i] = pnstrdup(start, p - start);
		p = skip_json_space(p);
		if (*p == ',')
			p++;
	}
}

bool
placeholders_add_json(PlaceholderSet *set, const char *json, char **errmsg)
{
	cJSON	   *root;
	cJSON	   *member;
	const char *end = NULL;
	int			nmembers;
	char	  **names;
	char	  **values;
	char	  **raw;
	char	   *error = NULL;
	int			i;

	if (json == NULL || *skip_json_space(json) == '\0')
		return true;

	root = cJSON_ParseWithOpts(json, &end, 1);
	if (root == NULL)
	{
		if (errmsg)
			*errmsg = psprintf("placeholders are not valid JSON (near character %d)",
							   end ? (int) (end - json) + 1 : 1);
		return false;
	}
	if (!cJSON_IsObject(root))
	{
		cJSON_Delete(root);
		if (errmsg)
			*errmsg = pstrdup("placeholders must be a JSON object of name/value pairs");
		return false;
	}

	nmembers = cJSON_GetArraySize(root);
	names = palloc0((nmembers + 1) * sizeof(char *));
	values = palloc0((nmembers + 1) * sizeof(char *));
	raw = palloc0((nmembers + 1) * sizeof(char *));
	raw_member_values(json, raw, nmembers);

	/* Check every member before touching the set: all or nothing. */
	i = 0;
	cJSON_ArrayForEach(member, root)
	{
		const char *name = member->string ? member->string : "";

		if (*name == '\0')
			error = pstrdup("placeholder names must not be empty");
		else if (strchr(name, '}') != NULL)
			error = psprintf("placeholder name \"%s\" must not contain \"}\"", name);
		else if (pg_strncasecmp(name, BUILTIN_PREFIX, BUILTIN_PREFIX_LEN) == 0)
			error = psprintf("placeholder \"%s\" cannot be set: names starting with \"%s\" are Flyway's built-ins",
							 name, BUILTIN_PREFIX);
		else if (cJSON_IsString(member))
			values[i] = pstrdup(member->valuestring);
		else if (cJSON_IsNumber(member) || cJSON_IsBool(member))
			values[i] = raw[i];
		else
			error = psprintf("placeholder \"%s\" must be a string, a number or a boolean, not %s",
							 name,
							 cJSON_IsNull(member) ? "null" :
							 cJSON_IsArray(member) ? "an array" : "an object");
		if (error)
			break;
		names[i] = pstrdup(name);
		i++;
	}
	cJSON_Delete(root);

	/* (not while cJSON's malloc'd tree lives: an interrupt would leak it) */
	if (!error)
	{
		for (i = 0; i < nmembers; i++)
		{
			CHECK_FOR_INTERRUPTS();
			placeholders_set(set, names[i], values[i]);
		}
	}

	/* placeholders_set made its own copies. */
	for (i = 0; i < nmembers; i++)
	{
		if (names[i])
			pfree(names[i]);
		if (values[i] && values[i] != raw[i])
			pfree(values[i]);
		pfree(raw[i]);
	}
	pfree(names);
	pfree(values);
	pfree(raw);

	if (error)
	{
		if (errmsg)
			*errmsg = error;
		else
			pfree(error);
		return false;
	}
	return true;
}

/*
 * Where needle[0..nlen) first occurs in text[from..len), or -1.  The
 * placeholder suffix is usually one byte: memchr finds its candidates.
 */
static ssize_t
find_text(const char *text, size_t len, size_t from, const char *needle, size_t nlen)
{
	while (from + nlen <= len)
	{
		const char *hit = memchr(text + from, needle[0], len - from - nlen + 1);

		if (hit == NULL)
			return -1;
		if (memcmp(hit, needle, nlen) == 0)
			return hit - text;
		from = (hit - text) + 1;
	}
	return -1;
}

/*
 * Flyway's reader reads ahead while the text matches the prefix: on a
 * mismatch it copies what it read, the mismatching character included,
 * and resumes after it; so in "$${x}" the "${" that starts at the second
 * '$' is never seen.  Working on bytes gives the same result on UTF-8 as
 * Flyway's characters: a continuation byte never starts a prefix.
 */
bool
placeholders_replace(const char *text, size_t len,
					 const PlaceholderSet *set, StringInfo out,
					 char **bad_name, int *bad_line)
{
	const char *prefix = set->prefix;
	size_t		plen = strlen(prefix);
	size_t		slen = strlen(set->suffix);
	size_t		i = 0;

	while (i < len)
	{
		const char *start;
		size_t		run;
		size_t		matched;
		ssize_t		suffix_at;
		const char *value;
		size_t		namestart;
		size_t		namelen;

		CHECK_FOR_INTERRUPTS();
		/* Copy everything up to the next possible prefix in one go. */
		start = memchr(text + i, prefix[0], len - i);
		run = start ? (size_t) (start - text) : len;
		if (run > i)
			appendBinaryStringInfo(out, text + i, run - i);
		i = run;
		if (i >= len)
			break;

		for (matched = 0; matched < plen && i + matched < len; matched++)
			if (text[i + matched] != prefix[matched])
				break;
		if (matched < plen)
		{
			/* what was read ahead, the mismatching byte too, copied unscanned */
			size_t		n = i + matched < len ? matched + 1 : matched;

			appendBinaryStringInfo(out, text + i, n);
			i += n;
			continue;
		}

		namestart = i + plen;
		suffix_at = find_text(text, len, namestart, set->suffix, slen);
		if (suffix_at < 0)
		{
			appendBinaryStringInfo(out, text + i, len - i);
			break;
		}
		namelen = (size_t) suffix_at - namestart;
		value = lookup(set, text + namestart, namelen);
		if (value == NULL)
		{
			if (bad_name)
				*bad_name = pnstrdup(text + namestart, namelen);
			if (bad_line)
				*bad_line = line_of_offset(text, len, i);
			return false;
		}
		appendStringInfoString(out, value);
		i = (size_t) suffix_at + slen;
	}
	return true;
}

/* Words that make a placeholder secret; see placeholder_name_is_secret(). */
static const char *const secret_name_words[] = {
	"password", "passwd", "pwd", "secret", "token", "credential", "apikey", "private", NULL
};

bool
placeholder_name_is_secret(const char *name)
{
	size_t		len = strlen(name);
	char	   *folded = palloc(len + 1);
	size_t		n = 0;
	bool		secret = false;

	/* "API-Key", "api_key" and "apiKey" all fold to "apikey" */
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) name[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			folded[n++] = c;
		else if (c >= 'A' && c <= 'Z')
			folded[n++] = pg_ascii_tolower(c);
	}
	folded[n] = '\0';
	for (int i = 0; secret_name_words[i] != NULL && !secret; i++)
		secret = strstr(folded, secret_name_words[i]) != NULL;
	pfree(folded);
	return secret;
}

/* value with every single quote doubled, as it appears in a SQL literal */
static char *
sql_quoted_form(const char *value)
{
	StringInfoData out;

	initStringInfo(&out);
	for (const char *p = value; *p; p++)
	{
		if (*p == '\'')
			appendStringInfoChar(&out, '\'');
		appendStringInfoChar(&out, *p);
	}
	return out.data;
}

/* One text to mask: a secret value, or its form inside a SQL literal. */
typedef struct SecretNeedle
{
	const char *text;
	size_t		len;
	bool		owned;			/* allocated here (the quoted form) */
} SecretNeedle;

static int
compare_needle_length_desc(const void *a, const void *b)
{
	size_t		la = ((const SecretNeedle *) a)->len;
	size_t		lb = ((const SecretNeedle *) b)->len;

	return la < lb ? 1 : la > lb ? -1 : 0;
}

static void
add_needle(SecretNeedle *needles, int *n, const char *text, bool owned)
{
	needles[*n].text = text;
	needles[*n].len = strlen(text);
	needles[*n].owned = owned;
	(*n)++;
}

/*
 * One pass over text: bytes that cannot start a secret are copied in runs,
 * and only at a byte that starts one are the secrets compared, longest
 * first (a value that contains another one is masked whole).
 */
char *
placeholders_mask_secrets(const PlaceholderSet *set, const char *text)
{
	SecretNeedle *needles;
	int			nneedles = 0;
	bool		starts[256] = {false};
	StringInfoData out;
	const char *p;
	const char *run;

	if (text == NULL)
		return NULL;
	needles = palloc((2 * set->count + 1) * sizeof(SecretNeedle));
	for (int i = 0; i < set->count; i++)
	{
		if (set->values[i][0] == '\0' || !placeholder_name_is_secret(set->names[i]))
			continue;
		add_needle(needles, &nneedles, set->values[i], false);
		if (strchr(set->values[i], '\'') != NULL)
			add_needle(needles, &nneedles, sql_quoted_form(set->values[i]), true);
	}
	if (nneedles == 0)
	{
		pfree(needles);
		return pstrdup(text);
	}
	qsort(needles, nneedles, sizeof(SecretNeedle), compare_needle_length_desc);
	for (int i = 0; i < nneedles; i++)
		starts[(unsigned char) needles[i].text[0]] = true;

	initStringInfo(&out);
	for (p = run = text; *p;)
	{
		int			i = nneedles;

		if (starts[(unsigned char) *p])
			for (i = 0; i < nneedles; i++)
				if (strncmp(p, needles[i].text, needles[i].len) == 0)
					break;
		if (i == nneedles)
		{
			p++;
			continue;
		}
		appendBinaryStringInfo(&out, run, p - run);
		appendStringInfoString(&out, PLACEHOLDER_MASK);
		p += needles[i].len;
		run = p;
	}
	appendBinaryStringInfo(&out, run, p - run);
	for (int i = 0; i < nneedles; i++)
		if (needles[i].owned)
			pfree((char *) needles[i].text);
	pfree(needles);
	return out.data;
}

/* message with the first occurrence of fragment[0..len) replaced by the mask */
static char *
replace_first(const char *message, const char *at, size_t len)
{
	return psprintf("%.*s%s%s", (int) (at - message), message, PLACEHOLDER_MASK, at + len);
}

/* Where the secret value around text[offset] continues: its rest, or NULL. */
static const char *
secret_rest_at(const PlaceholderSet *set, const char *text, size_t len, size_t offset,
			   size_t *rest_len)
{
	for (int i = 0; i < set->count; i++)
	{
		const char *value = set->values[i];
		size_t		vlen = strlen(value);
		size_t		first = offset + 1 > vlen ? offset + 1 - vlen : 0;

		if (vlen == 0 || !placeholder_name_is_secret(set->names[i]))
			continue;
		/* an occurrence that starts at most vlen - 1 bytes before offset */
		for (size_t start = first; start <= offset && start + vlen <= len; start++)
		{
			if (memcmp(text + start, value, vlen) == 0)
			{
				*rest_len = start + vlen - offset;
				return text + offset;
			}
		}
	}
	return NULL;
}

char *
placeholders_mask_secret_at(const PlaceholderSet *set, const char *text, size_t len,
							size_t offset, const char *message)
{
	size_t		rest_len = 0;
	const char *rest;

	if (offset >= len || (rest = secret_rest_at(set, text, len, offset, &rest_len)) == NULL)
		return pstrdup(message);
	for (size_t n = rest_len; n > 0; n--)
	{
		char	   *piece = pnstrdup(rest, n);
		const char *at = strstr(message, piece);

		pfree(piece);
		if (at != NULL)
			return replace_first(message, at, n);
	}
	return pstrdup(message);
}
