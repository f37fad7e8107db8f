/*
 * fake_executor.c
 *	  The in-memory executor of the engine's unit tests (fake_executor.h).
 */
#include "postgres_fe.h"

#include <stdlib.h>

#include "checksum.h"
#include "fake_executor.h"

static void
add_log(FakeExecutor *fx, char *entry)
{
	if (fx->nlog >= FAKE_MAX_LOG)
	{
		fprintf(stderr, "fake executor: log full\n");
		exit(2);
	}
	fx->log[fx->nlog++] = entry;
}

/* In the caller's transaction nothing may run after a failure. */
static void
note_op(FakeExecutor *fx)
{
	if (fx->ops.caller_transaction && fx->failed)
		fx->ops_after_failure++;
}

static bool
fail(FakeExecutor *fx, MigrateError *err, const char *sqlstate, const char *message)
{
	migrate_error_set(err, sqlstate, message, NULL, NULL);
	fx->failed = true;
	return false;
}

/* ---- transactions ---- */

static void
block_begin(FakeExecutor *fx)
{
	memcpy(fx->saved_rows, fx->rows, sizeof(fx->rows));
	fx->saved_nrows = fx->nrows;
	fx->saved_neffects = fx->neffects;
	fx->saved_table_exists = fx->table_exists;
	fx->saved_schema_exists = fx->schema_exists;
	fx->in_block = true;
}

static void
block_rollback(FakeExecutor *fx)
{
	if (!fx->in_block || fx->ops.caller_transaction)
		return;
	memcpy(fx->rows, fx->saved_rows, sizeof(fx->rows));
	fx->nrows = fx->saved_nrows;
	fx->neffects = fx->saved_neffects;
	fx->table_exists = fx->saved_table_exists;
	fx->schema_exists = fx->saved_schema_exists;
	fx->in_block = false;
}

/* A failure inside a block rolls it back (the executor contract). */
static bool
fail_in_block(FakeExecutor *fx, MigrateError *err, const char *sqlstate, const char *message)
{
	block_rollback(fx);
	return fail(fx, err, sqlstate, message);
}

static bool
fake_begin(Executor *ex, MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	note_op(fx);
	add_log(fx, pstrdup("begin"));
	if (!fx->ops.caller_transaction)
		block_begin(fx);
	return true;
}

static bool
fake_commit(Executor *ex, MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	note_op(fx);
	add_log(fx, pstrdup("commit"));
	if (fx->ops.caller_transaction)
		return true;
	fx->commits++;
	if (fx->fail_commit_at > 0 && fx->commits == fx->fail_commit_at)
		return fail_in_block(fx, err, "40001", "could not serialize access due to concurrent update");
	fx->in_block = false;
	return true;
}

static void
fake_rollback(Executor *ex)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	note_op(fx);
	add_log(fx, pstrdup("rollback"));
	block_rollback(fx);
}

static bool
fake_in_block(Executor *ex)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	return fx->ops.caller_transaction || fx->in_block;
}

static bool
fake_lock(Executor *ex, const HistoryTableRef *history, int retry_count, MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	note_op(fx);
	fx->lock_retry_count = retry_count;
	if (fx->lock_holder != NULL)
	{
		add_log(fx, pstrdup("lock refused"));
		history_lock_wait_error(err, history->qualified, history->lock_key, retry_count,
								fx->lock_holder, "the setting");
		return false;
	}
	add_log(fx, pstrdup("lock"));
	fx->locks_held++;
	if (fx->on_lock)
		fx->on_lock(fx);
	return true;
}

static void
fake_unlock(Executor *ex, const HistoryTableRef *history)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	add_log(fx, pstrdup("unlock"));
	fx->locks_held--;
}

static bool
fake_restore_session(Executor *ex, MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	note_op(fx);
	fx->restores++;
	return true;
}

/* ---- scripts ---- */

static bool
fake_session_facts(Executor *ex, SessionFacts *facts, MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	fx->reads++;
	facts->user = "alice";
	facts->database = "appdb";
	facts->current_schema = fx->current_schema;
	facts->timestamp = "2024-01-02 03:04:05";
	return true;
}

static const FakeScriptFile *
file_of(FakeExecutor *fx, const char *name)
{
	for (int i = 0; i < fx->nfiles; i++)
		if (strcmp(fx->files[i].name, name) == 0)
			return &fx->files[i];
	return NULL;
}

static int
compare_scripts(const void *a, const void *b)
{
	return strcmp((*(ResolvedScript *const *) a)->script, (*(ResolvedScript *const *) b)->script);
}

static bool
replace(const char *text, PlaceholderSet *placeholders, char **out, MigrateError *err)
{
	StringInfoData buf;
	char	   *bad_name = NULL;
	int			bad_line = 0;

	initStringInfo(&buf);
	if (!placeholders_replace(text, strlen(text), placeholders, &buf, &bad_name, &bad_line))
	{
		migrate_error_set(err, "22023", psprintf("no value for placeholder ${%s}", bad_name), NULL, NULL);
		err->line = bad_line;
		return false;
	}
	*out = buf.data;
	return true;
}

static bool
fake_find_scripts(Executor *ex, const ScriptNaming *naming, PlaceholderSet *placeholders,
				  FoundScripts *found, MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	fx->reads++;
	memset(found, 0, sizeof(*found));
	found->scripts = palloc(sizeof(ResolvedScript *) * (fx->nfiles + 1));
	found->callbacks = palloc(sizeof(ResolvedScript *) * (fx->nfiles + 1));
	found->invalid_names = palloc(sizeof(char *) * (fx->nfiles + 1));
	for (int i = 0; i < fx->nfiles; i++)
	{
		const FakeScriptFile *f = &fx->files[i];
		ScriptName name;
		char	   *why = NULL;
		ResolvedScript *s;

		memset(&name, 0, sizeof(name));
		switch (script_name_parse(naming, f->name, &name, &why))
		{
			case NAME_NOT_SCRIPT:
				continue;
			case NAME_INVALID:
				found->invalid_names[found->ninvalid++] = psprintf("%s: %s", f->name, why);
				continue;
			case NAME_OK:
				break;
		}
		s = palloc0(sizeof(ResolvedScript));
		s->kind = name.kind;
		s->version = name.version;
		s->description = name.description;
		s->script = pstrdup(f->name);
		s->path = psprintf("/migrations/%s", f->name);
		s->event = name.event;
		s->execute_in_transaction = f->execute_in_transaction;
		s->placeholder_replacement = -1;
		s->checksum = flyway_checksum(f->text, strlen(f->text));
		if (s->kind == SCRIPT_REPEATABLE)
		{
			char	   *replaced;

			if (!replace(f->text, placeholders, &replaced, err))
				return false;
			s->raw_checksum = s->checksum;
			s->checksum = flyway_checksum(replaced, strlen(replaced));
		}
		if (s->kind == SCRIPT_CALLBACK)
			found->callbacks[found->ncallbacks++] = s;
		else
			found->scripts[found->nscripts++] = s;
	}
	/* callbacks stay in the table's order: the engine orders them */
	qsort(found->scripts, found->nscripts, sizeof(ResolvedScript *), compare_scripts);
	return true;
}

static bool
starts_with_word(const char *text, const char *word)
{
	size_t		n = strlen(word);

	return pg_strncasecmp(text, word, n) == 0 &&
		(text[n] == '\0' || text[n] == ' ' || text[n] == '\n' || text[n] == '\t');
}

static void
classify(RunStatement *stmt, const char *text)
{
	stmt->transactional = true;
	if (starts_with_word(text, "COMMIT") || starts_with_word(text, "END"))
		stmt->transaction_control = stmt->commits_work = stmt->ends_block = true;
	else if (starts_with_word(text, "ROLLBACK") || starts_with_word(text, "ABORT"))
	{
		stmt->transaction_control = true;
		stmt->ends_block = strstr(text, " TO ") == NULL;
	}
	else if (starts_with_word(text, "BEGIN") || starts_with_word(text, "START") ||
			 starts_with_word(text, "SAVEPOINT") || starts_with_word(text, "RELEASE"))
		stmt->transaction_control = true;
	else if (starts_with_word(text, "VACUUM") || strstr(text, "CONCURRENTLY") != NULL ||
			 starts_with_word(text, "CREATE DATABASE"))
		stmt->transactional = false;
}

/* Split at ';': each statement from its first non-blank character. */
static void
split(RunScript *run)
{
	const char *text = run->text;
	int			len = (int) run->len;
	int			pos = 0;

	run->statements = palloc0(sizeof(RunStatement) * (len / 2 + 2));
	while (pos < len)
	{
		int			start = pos;
		int			end;
		RunStatement *stmt;

		while (start < len && isspace((unsigned char) text[start]))
			start++;
		if (start >= len)
			break;
		end = start;
		while (end < len && text[end] != ';')
			end++;
		stmt = &run->statements[run->nstatements++];
		stmt->location = start;
		stmt->length = end - start;
		stmt->line = line_of_offset(text, len, start);
		classify(stmt, pnstrdup(text + start, end - start));
		if (!stmt->transactional)
			run->transactional = false;
		pos = end + 1;
	}
}

static bool
fake_load_script(Executor *ex, const ResolvedScript *script, PlaceholderSet *placeholders,
				 RunScript **loaded, MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;
	const FakeScriptFile *f = file_of(fx, script->script);
	RunScript  *run;
	char	   *text;

	note_op(fx);
	fx->reads++;
	if (fx->load_delay_ms > 0)
		pg_usleep(fx->load_delay_ms * 1000L);
	for (int i = 0; i < fx->nstmt_failures; i++)
	{
		FakeFailure *ff = &fx->stmt_failures[i];

		if (ff->stmt == 0 && strcmp(ff->script, script->script) == 0)
		{
			migrate_error_set(err, ff->sqlstate, ff->message, ff->detail, ff->hint);
			fx->failed = true;
			return false;
		}
	}
	if (f == NULL)
		return fail(fx, err, "58P01", psprintf("could not open file \"%s\"", script->script));
	if (!replace(f->text, placeholders, &text, err))
		return false;
	run = palloc0(sizeof(RunScript));
	run->script = script;
	run->text = text;
	run->len = strlen(text);
	run->transactional = true;
	split(run);
	if (script->execute_in_transaction >= 0)
	{
		run->transactional = script->execute_in_transaction == 1;
		run->transaction_set_by_conf = true;
	}
	*loaded = run;
	return true;
}

static const FakeFailure *
failure_of(FakeExecutor *fx, RunScript *script, RunStatement *stmt)
{
	int			index = (int) (stmt - script->statements) + 1;

	for (int i = 0; i < fx->nstmt_failures; i++)
	{
		const FakeFailure *ff = &fx->stmt_failures[i];

		if (ff->stmt == index && strcmp(ff->script, script->script->script) == 0)
			return ff;
	}
	return NULL;
}

static bool
fake_run_statement(Executor *ex, RunScript *script, RunStatement *stmt, MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;
	char	   *text = pnstrdup(script->text + stmt->location, stmt->length);
	const FakeFailure *ff = failure_of(fx, script, stmt);

	note_op(fx);
	add_log(fx, psprintf("run %s:%d %s", script->script->script, stmt->line, text));
	if (ff != NULL)
	{
		block_rollback(fx);
		migrate_error_set(err, ff->sqlstate, ff->message, ff->detail, ff->hint);
		err->line = ff->line;
		err->position = ff->position;
		fx->failed = true;
		return false;
	}
	if (!stmt->transactional && fake_in_block(ex))
		return fail_in_block(fx, err, "25001",
							 psprintf("%s cannot run inside a transaction block", text));
	if (fx->ops.caller_transaction && stmt->transaction_control)
		return fail(fx, err, "0A000", "transaction control in the caller's transaction");
	fx->effects[fx->neffects++] = text;
	if (stmt->commits_work)
		fx->in_block = false;
	else if (stmt->ends_block)
		block_rollback(fx);
	else if (stmt->transaction_control && !fx->in_block &&
			 (starts_with_word(text, "BEGIN") || starts_with_word(text, "START")))
		block_begin(fx);
	return true;
}

/* ---- the history table ---- */

static bool
fake_history_probe(Executor *ex, HistoryTableRef *history, MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	fx->reads++;
	history->exists = fx->table_exists;
	history->schema_exists = fx->schema_exists;
	if (fx->missing_schemas != NULL &&
		strstr(fx->missing_schemas, psprintf(" %s ", history->schema)) != NULL)
		history->exists = history->schema_exists = false;
	return true;
}

static bool
fake_history_schema_is_empty(Executor *ex, const HistoryTableRef *history, bool *empty,
							 MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	fx->reads++;
	*empty = fx->schema_empty;
	return true;
}

static bool
fake_history_create(Executor *ex, HistoryTableRef *history, char *const *schemas, int nschemas,
					MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;

	note_op(fx);
	if (nschemas > 1)
		add_log(fx, psprintf("create %d schemas+table", nschemas));
	else
		add_log(fx, pstrdup(nschemas ? "create schema+table" : "create table"));
	fx->tablespace = history->tablespace;
	fx->table_exists = true;
	fx->schema_exists = true;
	return true;
}

static bool
fake_history_read(Executor *ex, const HistoryTableRef *history, AppliedRow ***rows, int *nrows,
				  MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;
	AppliedRow **out = palloc(sizeof(AppliedRow *) * (fx->nrows + 1));

	fx->reads++;
	if (!fx->table_exists)
		return fail(fx, err, "42P01",
					psprintf("relation \"%s\" does not exist", history->qualified));
	for (int i = 0; i < fx->nrows; i++)
	{
		out[i] = palloc(sizeof(AppliedRow));
		*out[i] = fx->rows[i];
	}
	*rows = out;
	*nrows = fx->nrows;
	return true;
}

static int
row_index(FakeExecutor *fx, int rank)
{
	for (int i = 0; i < fx->nrows; i++)
		if (fx->rows[i].installed_rank == rank)
			return i;
	return -1;
}

static void
set_row(AppliedRow *row, int rank, const char *version, const char *description,
		const char *type, const char *script, bool checksum_null, int32 checksum,
		const char *installed_by, int execution_time, bool success)
{
	char	   *why = NULL;

	memset(row, 0, sizeof(*row));
	row->installed_rank = rank;
	row->version = version ? pstrdup(version) : NULL;
	if (version && !version_parse(version, &row->parsed, &why))
	{
		fprintf(stderr, "fake executor: bad version %s\n", version);
		exit(2);
	}
	row->description = pstrdup(description);
	row->type = pstrdup(type);
	row->script = pstrdup(script);
	row->checksum_null = checksum_null;
	row->checksum = checksum;
	row->installed_by = pstrdup(installed_by);
	row->installed_on = pstrdup("2024-01-02 03:04:05");
	row->execution_time = execution_time;
	row->success = success;
}

static bool
insert_fails(FakeExecutor *fx, const HistoryChange *change)
{
	if (fx->fail_insert_script == NULL)
		return false;
	if (strcmp(fx->fail_insert_script, "*") != 0 &&
		(change->script == NULL || strcmp(fx->fail_insert_script, change->script) != 0))
		return false;
	return fx->fail_insert_success < 0 || fx->fail_insert_success == (int) change->success;
}

static bool
fake_history_change(Executor *ex, const HistoryTableRef *history, const HistoryChange *change,
					int *rank, MigrateError *err)
{
	FakeExecutor *fx = (FakeExecutor *) ex;
	int			i;

	note_op(fx);
	switch (change->kind)
	{
		case HISTORY_INSERT:
			{
				int			next = 1;

				if (insert_fails(fx, change))
				{
					add_log(fx, psprintf("insert failed %s", change->script));
					return fail_in_block(fx, err, "42501", "permission denied for table flyway_schema_history");
				}
				if (fx->nrows == 0)
					next = strcmp(change->type, "SCHEMA") == 0 ? 0 : 1;
				for (i = 0; i < fx->nrows; i++)
					next = Max(next, fx->rows[i].installed_rank + 1);
				set_row(&fx->rows[fx->nrows++], next, change->version, change->description,
						change->type, change->script, change->checksum_null, change->checksum,
						change->installed_by, change->execution_time, change->success);
				add_log(fx, psprintf("insert %d %s %s %s", next, change->script, change->type,
									 change->success ? "ok" : "failed"));
				if (rank)
					*rank = next;
				return true;
			}
		case HISTORY_DELETE:
			add_log(fx, psprintf("delete %d", change->installed_rank));
			i = row_index(fx, change->installed_rank);
			if (i >= 0)
			{
				memmove(&fx->rows[i], &fx->rows[i + 1], sizeof(AppliedRow) * (fx->nrows - i - 1));
				fx->nrows--;
			}
			return true;
		case HISTORY_REALIGN:
			add_log(fx, psprintf("realign %d %s %s %d", change->installed_rank,
								 change->description, change->type, change->checksum));
			i = row_index(fx, change->installed_rank);
			if (i >= 0)
			{
				fx->rows[i].description = pstrdup(change->description);
				fx->rows[i].type = pstrdup(change->type);
				fx->rows[i].checksum_null = change->checksum_null;
				fx->rows[i].checksum = change->checksum;
			}
			return true;
	}
	return false;
}

static const ExecutorOps fake_ops = {
	.name = "fake",
	.caller_transaction = false,
	.session_facts = fake_session_facts,
	.find_scripts = fake_find_scripts,
	.load_script = fake_load_script,
	.lock = fake_lock,
	.unlock = fake_unlock,
	.begin = fake_begin,
	.commit = fake_commit,
	.rollback = fake_rollback,
	.in_block = fake_in_block,
	.run_statement = fake_run_statement,
	.restore_session = fake_restore_session,
	.history_probe = fake_history_probe,
	.history_schema_is_empty = fake_history_schema_is_empty,
	.history_create = fake_history_create,
	.history_read = fake_history_read,
	.history_change = fake_history_change,
};

/* ---- what tests call ---- */

void
fake_init(FakeExecutor *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->ops = fake_ops;
	fx->base.ops = &fx->ops;
	fx->schema_exists = true;
	fx->schema_empty = true;
	fx->current_schema = "public";
	fx->fail_insert_success = -1;
}

void
fake_add_script_conf(FakeExecutor *fx, const char *name, const char *text,
					 int execute_in_transaction)
{
	if (fx->nfiles >= FAKE_MAX_SCRIPTS)
	{
		fprintf(stderr, "fake executor: too many scripts\n");
		exit(2);
	}
	fx->files[fx->nfiles].name = name;
	fx->files[fx->nfiles].text = text;
	fx->files[fx->nfiles].execute_in_transaction = execute_in_transaction;
	fx->nfiles++;
}

void
fake_add_script(FakeExecutor *fx, const char *name, const char *text)
{
	fake_add_script_conf(fx, name, text, -1);
}

void
fake_set_script(FakeExecutor *fx, const char *name, const char *text)
{
	for (int i = 0; i < fx->nfiles; i++)
		if (strcmp(fx->files[i].name, name) == 0)
			fx->files[i].text = text;
}

void
fake_add_row(FakeExecutor *fx, int rank, const char *version, const char *description,
			 const char *type, const char *script, bool checksum_null, int32 checksum,
			 bool success)
{
	set_row(&fx->rows[fx->nrows++], rank, version, description, type, script, checksum_null,
			checksum, "alice", 5, success);
	fx->table_exists = true;
	fx->schema_exists = true;
}

int32
fake_checksum(FakeExecutor *fx, const char *name)
{
	const FakeScriptFile *f = file_of(fx, name);

	return f ? flyway_checksum(f->text, strlen(f->text)) : 0;
}

void
fake_fail_statement(FakeExecutor *fx, const FakeFailure *failure)
{
	fx->stmt_failures[fx->nstmt_failures++] = *failure;
}

char *
fake_log(const FakeExecutor *fx, int from)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = from; i < fx->nlog; i++)
		appendStringInfo(&buf, "%s%s", i > from ? " | " : "", fx->log[i]);
	return buf.data;
}

int
fake_log_find(const FakeExecutor *fx, const char *prefix)
{
	for (int i = 0; i < fx->nlog; i++)
		if (strncmp(fx->log[i], prefix, strlen(prefix)) == 0)
			return i;
	return -1;
}

int
fake_log_count(const FakeExecutor *fx, const char *prefix)
{
	int			n = 0;

	for (int i = 0; i < fx->nlog; i++)
		if (strncmp(fx->log[i], prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

void
fake_clear_log(FakeExecutor *fx)
{
	fx->nlog = 0;
	fx->reads = 0;
}

const AppliedRow *
fake_row(const FakeExecutor *fx, int rank)
{
	for (int i = 0; i < fx->nrows; i++)
		if (fx->rows[i].installed_rank == rank)
			return &fx->rows[i];
	return NULL;
}

bool
fake_has_effect(const FakeExecutor *fx, const char *statement)
{
	for (int i = 0; i < fx->neffects; i++)
		if (strcmp(fx->effects[i], statement) == 0)
			return true;
	return false;
}
