/*-------------------------------------------------------------------------
 *
 * engine_client.c
 *	  Client mode: the scripts bundled with the function, applied by the
 *	  engine (src/engine/) over the handler's libpq connection with the
 *	  pg_migrate command's executor (client/executor_libpq.c) and script
 *	  source (client/script_source.c).  No extension is needed in the
 *	  database: this is how the handler deploys to Amazon RDS and Aurora.
 *
 * The same engine as migrate_apply() takes the same advisory lock, writes
 * the same flyway_schema_history rows and computes Flyway's checksums.
 * The options come from the FLYWAY_* settings through the command's code
 * (client/engine_options.c).  Each deploy runs in a memory scope
 * (fe_memory.c): what the engine palloc's is freed when it ends.
 *
 * The engine's statements block in libpq, so the deadline is kept by a
 * timer: at the work deadline it sends a cancel request (as statement_
 * timeout would), and if the server still has not answered at the hard
 * deadline it shuts the socket, so the handler can report while alive.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres_fe.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "engine.h"
#include "engine_options.h"
#include "executor_libpq.h"
#include "flyway_config.h"
#include "script_source.h"

#include "engine_client.h"
#include "fe_memory.h"
#include "log.h"
#include "summary.h"

struct client_setup
{
	EngineOptions options;
	PlaceholderSet placeholders;
	char	  **locations;		/* as the engine reads them: relative ones made absolute */
	char	  **entries;		/* as configured, for messages */
	int			nlocations;
	const char *origin;			/* "FLYWAY_LOCATIONS", or NULL for the default */
	bool		group;
	bool		fail_on_missing_locations;
	const char *encoding;		/* FLYWAY_ENCODING, canonical */
};

/* The file-name settings (NamingSetting order) as the Lambda's variables. */
static const char *const lambda_naming_names[NAMING_SETTING_COUNT] = {
	"FLYWAY_SQL_MIGRATION_PREFIX",
	"FLYWAY_SQL_MIGRATION_SEPARATOR",
	"FLYWAY_SQL_MIGRATION_SUFFIXES",
	"FLYWAY_REPEATABLE_SQL_MIGRATION_PREFIX",
	"FLYWAY_UNDO_SQL_MIGRATION_PREFIX",
	"FLYWAY_BASELINE_MIGRATION_PREFIX",
};

/* How the engine's messages name what to do: the Lambda's variables. */
static const EngineWording lambda_wording = {
	.apply = "the deploy",
	.undo = "pg_migrate undo",
	.repair = "pg_migrate repair",
	.baseline = "pg_migrate baseline",
	.info = "pg_migrate info",
	.call = "run",
	.callback_again = "deploy again",
	.mixed_on = "set FLYWAY_MIXED=true",
	.naming_off = "set FLYWAY_VALIDATE_MIGRATION_NAMING=false",
	.naming_on = "set FLYWAY_VALIDATE_MIGRATION_NAMING=true",
	.baseline_on_migrate_on = "set FLYWAY_BASELINE_ON_MIGRATE=true",
	.single_transaction = "FLYWAY_GROUP=true",
	.single_transaction_on = "FLYWAY_GROUP=true",
	.ignore_patterns_name = "FLYWAY_IGNORE_MIGRATION_PATTERNS",
	.cherry_pick_name = "FLYWAY_CHERRY_PICK",
	.skip_executing_name = "FLYWAY_SKIP_EXECUTING_MIGRATIONS",
	.fail_on_missing_on = "set FLYWAY_FAIL_ON_MISSING_LOCATIONS=true",
	.locations_name = "FLYWAY_LOCATIONS",
	.plan = {
		.apply = "deploy",
		.repair = "run pg_migrate repair",
		.ignore_patterns = "set FLYWAY_IGNORE_MIGRATION_PATTERNS=",
		.out_of_order_on = "set FLYWAY_OUT_OF_ORDER=true",
	},
	.naming_names = lambda_naming_names,
};

/* ----------------------------------------------------------------
 *		Init
 * ---------------------------------------------------------------- */

static char *
errorf(const char *fmt,...) pg_attribute_printf(1, 2);

static char *
errorf(const char *fmt,...)
{
	char		buf[2048];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return strdup(buf);
}

static bool
is_filesystem(const char *location)
{
	return pg_strncasecmp(location, "filesystem:", 11) == 0;
}

/*
 * The function's code is in LAMBDA_TASK_ROOT: a relative folder is read
 * from there, whatever the process's working directory (as the old image
 * read ./sql/postgresql from /flyway), unless FLYWAY_WORKING_DIRECTORY
 * says otherwise; that folder is also ${flyway:workingDirectory}.
 */
static char *
resolve_location(const char *entry, const char *task_root)
{
	const char *path = entry + 11;

	if (!is_filesystem(entry) || path[0] == '/')
		return pstrdup(entry);
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (strcmp(path, ".") == 0)
		path = "";
	return psprintf("filesystem:%s%s%s", task_root, path[0] ? "/" : "", path);
}

char *
client_locations_problem(const config *cfg)
{
	const struct client_setup *cs = cfg->client;

	for (int i = 0; cs != NULL && i < cs->nlocations; i++)
	{
		struct stat st;
		const char *dir = cs->locations[i] + 11;
		int			failed;

		if (!is_filesystem(cs->locations[i]))
			continue;
		failed = stat(dir, &st) != 0 ? errno : 0;
		if (!failed && S_ISDIR(st.st_mode))
			continue;
		return errorf("%s: %s is not a folder of the function (%s %s): bundle the scripts "
					  "with \"make -C lambda package SQL=<folder>\", which puts that folder "
					  "at sql/ in function.zip, or set FLYWAY_LOCATIONS to where they are",
					  cs->origin ? cs->origin : "FLYWAY_LOCATIONS (unset, so filesystem:sql)",
					  cs->entries[i], dir, failed == ENOENT ? "does not exist" :
					  failed ? "cannot be read" : "is no folder");
	}
	return NULL;
}

/*
 * A target, ignore pattern or file-name convention the engine would refuse
 * fails the init, not each deploy.
 */
static char *
target_problem(const struct client_setup *cs, const FlywayConfig *fc)
{
	Engine		engine;
	PlanOptions plan_options;
	ScriptNaming naming;
	NamingSetting bad;
	char	   *why = NULL;
	char	   *problem = NULL;

	fe_memory_scope_begin();
	engine_init(&engine, NULL, &cs->options, NULL);
	/* file names are no secret: why may quote the prefix or suffix */
	if (!script_naming_from_settings(cs->options.naming, lambda_naming_names, &naming, &bad, &why))
		problem = errorf("%s cannot name the scripts: %s",
						 flyway_config_value(fc, engine_options_naming_keys[bad])->origin ?
						 flyway_config_value(fc, engine_options_naming_keys[bad])->origin :
						 lambda_naming_names[bad], why);
	/* the engine's own words would quote the value */
	else if (!plan_parse_target(cs->options.target, &plan_options, &why))
		problem = errorf("%s is not a valid target: give a version such as 2.1, or latest, "
						 "current or next", flyway_config_value(fc, FK_TARGET)->origin);
	/* its words name settings and placeholder names, never values */
	else if (!engine_check_placeholders(&engine))
		problem = errorf("%s: %s. %s", engine.error.message, engine.error.detail,
						 engine.error.hint);
	else if (!engine_check_options(&engine))
		problem = errorf("%s is not a valid list of ignore patterns: give type:status entries "
						 "such as *:missing (type *, versioned or repeatable; status *, missing, "
						 "pending, ignored or future)",
						 flyway_config_value(fc, FK_IGNORE_MIGRATION_PATTERNS)->origin);
	fe_memory_scope_end();
	return problem;
}

/* A location script_source_create() refuses fails the init. */
static char *
source_problem(const struct client_setup *cs)
{
	MigrateError err;
	char	   *problem = NULL;

	memset(&err, 0, sizeof(err));
	fe_memory_scope_begin();
	if (script_source_create(cs->locations, cs->nlocations,
							 cs->options.placeholder_replacement,
							 cs->fail_on_missing_locations, &err) == NULL)
		problem = errorf("%s: %s%s%s", cs->origin ? cs->origin : "FLYWAY_LOCATIONS",
						 err.message, err.detail ? ". " : "", err.detail ? err.detail : "");
	fe_memory_scope_end();
	return problem;
}

/* Secret placeholders (a name with "password", "token", ...) are masked in every log. */
static void
register_secret_placeholders(const FlywayConfig *fc)
{
	for (int i = 0; i < fc->nplaceholders; i++)
		if (fc->placeholders[i].value.value != NULL &&
			placeholder_name_is_secret(fc->placeholders[i].name))
			log_add_persistent_secret(fc->placeholders[i].value.value);
}

int
client_setup_load(config *cfg, char **errmsg)
{
	struct client_setup *cs;
	const char *task_root = getenv("LAMBDA_TASK_ROOT");
	char	  **entries;
	int			n;

	register_secret_placeholders(cfg->flyway);
	if (cfg->engine == ENGINE_EXTENSION)
		return 0;
	if (task_root == NULL || task_root[0] == '\0')
		task_root = "/var/task";
	cs = palloc0(sizeof(struct client_setup));
	cfg->client = cs;
	engine_options_from_flyway(cfg->flyway, &cs->options, &cs->placeholders);
	/* relative folders are under FLYWAY_WORKING_DIRECTORY, else the function's code */
	if (flyway_config_get(cfg->flyway, FK_WORKING_DIRECTORY) != NULL &&
		cs->options.working_directory != NULL)
		task_root = cs->options.working_directory;
	else
		cs->options.working_directory = task_root;
	cs->group = flyway_config_bool(cfg->flyway, FK_GROUP);
	cs->fail_on_missing_locations = flyway_config_bool(cfg->flyway, FK_FAIL_ON_MISSING_LOCATIONS);
	cs->encoding = engine_options_encoding(cfg->flyway);
	cs->origin = flyway_config_value(cfg->flyway, FK_LOCATIONS)->origin;
	entries = flyway_config_list(cfg->flyway, FK_LOCATIONS, &n);
	cs->entries = entries;
	cs->nlocations = n;
	cs->locations = palloc(sizeof(char *) * (n + 1));
	for (int i = 0; i < n; i++)
		cs->locations[i] = resolve_location(entries[i], task_root);

	if ((*errmsg = target_problem(cs, cfg->flyway)) != NULL ||
		(*errmsg = source_problem(cs)) != NULL)
		return -1;
	/* auto may never need them (the database has the extension) */
	if (cfg->engine == ENGINE_CLIENT && (*errmsg = client_locations_problem(cfg)) != NULL)
		return -1;
	return 0;
}

/* placeholders.h has no such function: the server resets its context */
static void
free_placeholders(PlaceholderSet *set)
{
	for (int i = 0; i < set->count; i++)
	{
		pfree(set->names[i]);
		pfree(set->values[i]);
	}
	if (set->names)
		pfree(set->names);
	if (set->values)
		pfree(set->values);
	if (set->slots)
		pfree(set->slots);
}

void
client_setup_free(config *cfg)
{
	struct client_setup *cs = cfg->client;

	if (cs == NULL)
		return;
	for (int i = 0; i < cs->nlocations; i++)
		pfree(cs->locations[i]);
	pfree(cs->locations);
	flyway_config_list_free(cs->entries, cs->nlocations);
	free_placeholders(&cs->placeholders);
	if (cs->options.schema)
		pfree((char *) cs->options.schema);
	pfree(cs);
	cfg->client = NULL;
}

/* ----------------------------------------------------------------
 *		The deadline
 * ---------------------------------------------------------------- */

static PGcancel *volatile watchdog_cancel;
static volatile sig_atomic_t watchdog_fd = -1;
static volatile sig_atomic_t watchdog_stage;	/* 0 idle, 1 cancel due, 2 shut due */
static long watchdog_shut_ms;

static void
arm_timer(long at_ms)
{
	struct itimerval it;
	long		ms = at_ms - now_ms();

	if (ms < 1)
		ms = 1;
	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ms / 1000;
	it.it_value.tv_usec = (ms % 1000) * 1000;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void
watchdog_fire(int signo)
{
	int			saved = errno;

	(void) signo;
	if (watchdog_stage == 1)
	{
		char		errbuf[256];

		/* PQcancel is safe in a signal handler */
		if (watchdog_cancel != NULL)
			(void) PQcancel(watchdog_cancel, errbuf, sizeof(errbuf));
		watchdog_stage = 2;
		arm_timer(watchdog_shut_ms);
	}
	else if (watchdog_stage == 2)
	{
		/* the server did not answer the cancel: the blocked read returns */
		if (watchdog_fd >= 0)
			shutdown(watchdog_fd, SHUT_RDWR);
		watchdog_stage = 3;
	}
	errno = saved;
}

static void
watchdog_start(PGconn *conn, long deadline_ms, long hard_deadline_ms)
{
	struct sigaction sa;

	watchdog_cancel = PQgetCancel(conn);
	watchdog_fd = PQsocket(conn);
	watchdog_shut_ms = hard_deadline_ms > deadline_ms + 1000 ? hard_deadline_ms : deadline_ms + 1000;
	watchdog_stage = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = watchdog_fire;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	arm_timer(deadline_ms);
}

/* Returns whether the watchdog had to act. */
static int
watchdog_stop(void)
{
	struct itimerval off;
	int			fired = watchdog_stage > 1;
	PGcancel   *cancel = watchdog_cancel;

	memset(&off, 0, sizeof(off));
	setitimer(ITIMER_REAL, &off, NULL);
	watchdog_stage = 0;
	watchdog_cancel = NULL;
	watchdog_fd = -1;
	if (cancel != NULL)
		PQfreeCancel(cancel);
	signal(SIGALRM, SIG_DFL);
	return fired;
}

/* ----------------------------------------------------------------
 *		The deploy
 * ---------------------------------------------------------------- */

/* What the sinks collect. */
typedef struct DeployState
{
	cJSON	   *migrations;		/* applied, as migrate_apply() returns them */
	cJSON	   *info;			/* {"states": {...}, "schemaVersion": ...} */
} DeployState;

static void
add_string_or_null(cJSON *o, const char *key, const char *value)
{
	if (value)
		cJSON_AddStringToObject(o, key, value);
	else
		cJSON_AddNullToObject(o, key);
}

static void
on_applied(const AppliedResult *r, void *arg)
{
	DeployState *st = arg;
	cJSON	   *m;

	if (r->starting)
	{
		log_json(LOG_DEBUG, "apply", -1, NULL, "applying %s", r->script);
		return;
	}
	m = cJSON_CreateObject();
	add_string_or_null(m, "version", r->version);
	add_string_or_null(m, "description", r->description);
	add_string_or_null(m, "type", r->type);
	add_string_or_null(m, "script", r->script);
	cJSON_AddNumberToObject(m, "checksum", r->checksum);
	cJSON_AddNumberToObject(m, "executionTime", r->execution_time);
	add_string_or_null(m, "state", r->state);
	cJSON_AddItemToArray(st->migrations, m);
	log_json(LOG_INFO, "apply", r->execution_time, NULL, "applied %s", r->script);
}

/* Summarise info as db.c summarises migrate_info(): states counted, the version. */
static void
on_info(const InfoRow *row, void *arg)
{
	DeployState *st = arg;
	cJSON	   *states = cJSON_GetObjectItemCaseSensitive(st->info, "states");
	const char *state = row->state ? row->state : "null";
	cJSON	   *c = cJSON_GetObjectItemCaseSensitive(states, state);

	if (c)
		cJSON_SetNumberValue(c, c->valuedouble + 1);
	else
		cJSON_AddNumberToObject(states, state, 1);
	/* rows come in version order: the last applied one is current */
	if (row->version != NULL && row->applied && strcmp(state, "Success") == 0)
		cJSON_ReplaceItemInObject(st->info, "schemaVersion", cJSON_CreateString(row->version));
}

static void
on_notice(EngineNoticeLevel level, const char *message, const char *detail,
		  const char *hint, void *arg)
{
	(void) arg;
	(void) hint;
	log_json(level == ENGINE_WARNING ? LOG_WARN : LOG_DEBUG, "apply", -1, NULL, "%s%s%s",
			 message, detail ? ": " : "", detail ? detail : "");
}

/* The scripts' own NOTICEs and WARNINGs, as the server sent them. */
static void
on_server_notice(void *arg, const PGresult *res)
{
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	(void) arg;
	log_json(severity && strcmp(severity, "WARNING") == 0 ? LOG_WARN : LOG_INFO, "apply", -1,
			 NULL, "server %s: %s", severity ? severity : "NOTICE", message ? message : "");
}

static cJSON *
new_info(void)
{
	cJSON	   *info = cJSON_CreateObject();

	cJSON_AddObjectToObject(info, "states");
	cJSON_AddNullToObject(info, "schemaVersion");
	return info;
}

/* The error of a failed run, as db.c words a failed migrate_apply(). */
static void
run_error(const MigrateError *err, int watchdog_fired, long deadline_ms,
		  const char **error_type, char **errmsg)
{
	const char *state = err->sqlstate[0] ? err->sqlstate : "XX000";
	StringInfoData m;

	initStringInfo(&m);
	appendStringInfo(&m, "ERROR:  %s", err->message ? err->message : "the run failed");
	if (err->detail)
		appendStringInfo(&m, "\nDETAIL:  %s", err->detail);
	if (err->hint)
		appendStringInfo(&m, "\nHINT:  %s", err->hint);
	if (strcmp(state, "57014") == 0 || watchdog_fired || now_ms() >= deadline_ms)
	{
		*error_type = "Function.DeadlineExceeded";
		*errmsg = errorf("cancelled to report before the Lambda deadline: %s [SQLSTATE %s]",
						 m.data, state);
	}
	else
	{
		*error_type = strcmp(state, "55P03") == 0 ? "Function.LockTimeout" :
			"Function.MigrationFailed";
		*errmsg = errorf("%s%s [SQLSTATE %s]", strcmp(state, "55P03") == 0 ?
						 "lock_timeout reached: " : "", m.data, state);
	}
	pfree(m.data);
}

/*
 * The engine's options for one step of a deploy: afterConnect runs in the
 * first only (the handler opens one connection per invocation).
 */
static EngineOptions
step_options(const struct client_setup *cs, bool first_step)
{
	EngineOptions options = cs->options;

	options.connect_callbacks_ran = !first_step;
	return options;
}

static bool
run_info(Executor *ex, const struct client_setup *cs, bool first_step, DeployState *st,
		 MigrateError *err)
{
	Engine		engine;
	EngineSinks sinks;
	EngineOptions options = step_options(cs, first_step);

	memset(&sinks, 0, sizeof(sinks));
	sinks.info = on_info;
	sinks.notice = on_notice;
	sinks.arg = st;
	cJSON_Delete(st->info);
	st->info = new_info();
	engine_init(&engine, ex, &options, &sinks);
	engine.wording = &lambda_wording;
	if (engine_info(&engine))
		return true;
	*err = engine.error;
	return false;
}

static bool
run_migrate(Executor *ex, const struct client_setup *cs, DeployState *st, MigrateError *err)
{
	Engine		engine;
	EngineSinks sinks;
	EngineOptions options = step_options(cs, false);
	bool		ok;

	memset(&sinks, 0, sizeof(sinks));
	sinks.applied = on_applied;
	sinks.notice = on_notice;
	sinks.arg = st;
	engine_init(&engine, ex, &options, &sinks);
	engine.wording = &lambda_wording;
	/* FLYWAY_GROUP=true: the whole run commits, or none of it */
	if (cs->group && !executor_libpq_group_begin(ex, &engine.error))
		ok = false;
	else
	{
		ok = engine_migrate(&engine);
		if (cs->group && !executor_libpq_group_end(ex, ok, &engine.error))
			ok = false;
	}
	if (!ok)
		*err = engine.error;
	return ok;
}

/*
 * After a failed migrate, where the history stands (the migrations before
 * the failed one stay applied), when the connection and the time allow.
 */
static void
info_after_failure(PGconn *conn, Executor *ex, const struct client_setup *cs,
				   DeployState *after, long deadline_ms)
{
	MigrateError ignored;

	memset(&ignored, 0, sizeof(ignored));
	if (PQstatus(conn) != CONNECTION_OK || now_ms() > deadline_ms - 1000)
		return;
	if (run_info(ex, cs, false, after, &ignored))
	{
		summary_note_info(after->info, 1);
		log_json(LOG_INFO, "info", -1, cJSON_Duplicate(after->info, 1),
				 "history after the failure");
	}
}

/* Before, migrate, after; false with *err. */
static bool
deploy(PGconn *conn, const struct client_setup *cs, long deadline_ms, DeployState *before,
	   DeployState *after, MigrateError *err)
{
	ScriptSource *source;
	Executor   *ex;
	Executor   *group_ex = NULL;
	long		t0 = now_ms();

	source = script_source_create(cs->locations, cs->nlocations,
								  cs->options.placeholder_replacement,
								  cs->fail_on_missing_locations, err);
	if (source == NULL)
		return false;
	script_source_set_encoding(source, cs->encoding, "FLYWAY_ENCODING");
	/* as the command: FLYWAY_GROUP=true migrates through an executor of its own */
	ex = executor_libpq_create(conn, source, false, err);
	if (ex != NULL && cs->group)
		group_ex = executor_libpq_create(conn, source, true, err);
	if (ex == NULL || (cs->group && group_ex == NULL) || !run_info(ex, cs, true, before, err))
		return false;
	summary_note_info(before->info, 0);
	log_json(LOG_INFO, "info", now_ms() - t0, cJSON_Duplicate(before->info, 1),
			 "history before the deploy");

	t0 = now_ms();
	if (!run_migrate(cs->group ? group_ex : ex, cs, before, err))
	{
		info_after_failure(conn, ex, cs, after, deadline_ms);
		return false;
	}
	log_json(LOG_INFO, "apply", now_ms() - t0, NULL, "client engine applied %d migration%s",
			 cJSON_GetArraySize(before->migrations),
			 cJSON_GetArraySize(before->migrations) == 1 ? "" : "s");

	/* nothing applied: the history is as it was */
	t0 = now_ms();
	if (cJSON_GetArraySize(before->migrations) == 0)
		after->info = cJSON_Duplicate(before->info, 1);
	else if (!run_info(ex, cs, false, after, err))
		return false;
	summary_note_info(after->info, 1);
	log_json(LOG_INFO, "info", now_ms() - t0, cJSON_Duplicate(after->info, 1),
			 "history after the deploy");
	return true;
}

int
client_migrate(PGconn *conn, const config *cfg, long deadline_ms, long hard_deadline_ms,
			   cJSON *result, const char **error_type, char **errmsg)
{
	DeployState before = {0};
	DeployState after = {0};
	MigrateError err;
	bool		ok;
	int			fired;

	memset(&err, 0, sizeof(err));
	before.migrations = cJSON_CreateArray();
	summary_note_engine("client");
	PQsetNoticeReceiver(conn, on_server_notice, NULL);
	fe_memory_scope_begin();
	watchdog_start(conn, deadline_ms, hard_deadline_ms);
	ok = deploy(conn, cfg->client, deadline_ms, &before, &after, &err);
	fired = watchdog_stop();
	if (ok)
	{
		cJSON_AddItemToObject(result, "migrations", before.migrations);
		before.migrations = NULL;
		cJSON_AddNumberToObject(result, "applied",
								cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(result, "migrations")));
		cJSON_AddItemToObject(result, "schemaVersion",
							  cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(after.info, "schemaVersion"), 1));
	}
	else
	{
		summary_note_failure(err.message, err.sqlstate[0] ? err.sqlstate : NULL);
		run_error(&err, fired, deadline_ms, error_type, errmsg);
		log_json(LOG_ERROR, "apply", -1, NULL, "the client engine failed: %s", *errmsg);
	}
	/* the engine's memory, err's texts included */
	fe_memory_scope_end();
	if (before.info)
		cJSON_AddItemToObject(result, "schemaVersionBefore",
							  cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(before.info, "schemaVersion"), 1));
	cJSON_Delete(before.migrations);
	cJSON_Delete(before.info);
	cJSON_Delete(after.info);
	return ok ? 0 : -1;
}
