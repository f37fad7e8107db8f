/*-------------------------------------------------------------------------
 *
 * report.c
 *	  How the pg_migrate command reports an error (see report.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include "report.h"

const char *
report_mask(const OutputSettings *settings, const char *text)
{
	if (text == NULL || settings->secrets == NULL || settings->secrets->count == 0)
		return text;
	return placeholders_mask_secrets(settings->secrets, text);
}

/* A field after its label; its further lines indented under the first, as psql prints them. */
static void
print_field(FILE *f, const char *label, const char *text)
{
	const char *line = text;
	bool		first = true;

	if (text == NULL || text[0] == '\0')
		return;
	while (*line)
	{
		size_t		len = strcspn(line, "\n");

		if (first)
			fprintf(f, "%s: %.*s\n", label, (int) len, line);
		else
			fprintf(f, "%*s%.*s\n", (int) strlen(label) + 2, "", (int) len, line);
		first = false;
		line += len;
		if (*line == '\n')
			line++;
	}
}

void
report_error_text(const OutputSettings *settings, const MigrateError *err)
{
	FILE	   *f = settings->err;
	const char *message = report_mask(settings, err->message ? err->message : "unknown error");

	if (err->sqlstate[0] != '\0')
		fprintf(f, "ERROR: %s (SQLSTATE %s)\n", message, err->sqlstate);
	else
		fprintf(f, "ERROR: %s\n", message);
	print_field(f, "DETAIL", report_mask(settings, err->detail));
	print_field(f, "HINT", report_mask(settings, err->hint));
	print_field(f, "CONTEXT", report_mask(settings, err->context));
	fflush(f);
}

const char *
report_error_code(const MigrateError *err, const Engine *engine)
{
	if (strncmp(err->sqlstate, "08", 2) == 0 || strncmp(err->sqlstate, "28", 2) == 0)
		return "DB_CONNECTION";
	if (engine != NULL && engine->plan != NULL && engine->plan->nerrors > 0 &&
		strcmp(err->sqlstate, SQLSTATE_OBJECT_NOT_IN_PREREQUISITE_STATE) == 0)
		return engine->plan->nerrors == 1 ? engine->plan->errors[0].code : "VALIDATE_ERROR";
	if (strcmp(err->sqlstate, SQLSTATE_INVALID_PARAMETER_VALUE) == 0)
		return "CONFIGURATION";
	return "ERROR";
}

/* A text field of the JSON error, or nothing when there is none. */
static void
add_text(cJSON *object, const char *name, const char *text)
{
	if (text != NULL && text[0] != '\0')
		cJSON_AddStringToObject(object, name, text);
}

cJSON *
report_error_json(const OutputSettings *settings, const MigrateError *err, const char *error_code)
{
	cJSON	   *root = cJSON_CreateObject();
	cJSON	   *error = cJSON_AddObjectToObject(root, "error");

	cJSON_AddStringToObject(error, "errorCode", error_code);
	add_text(error, "sqlState", err->sqlstate);
	cJSON_AddStringToObject(error, "message",
							report_mask(settings, err->message ? err->message : "unknown error"));
	add_text(error, "detail", report_mask(settings, err->detail));
	add_text(error, "hint", report_mask(settings, err->hint));
	add_text(error, "context", report_mask(settings, err->context));
	if (err->line > 0)
		cJSON_AddNumberToObject(error, "lineNumber", err->line);
	return root;
}

void
report_print_json(const OutputSettings *settings, cJSON *json)
{
	char	   *text = cJSON_Print(json);

	if (text != NULL)
	{
		fprintf(settings->out, "%s\n", text);
		cJSON_free(text);
	}
	fflush(settings->out);
	cJSON_Delete(json);
}
