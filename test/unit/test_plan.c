/*
 * test_plan.c
 *	  Unit tests for plan.c: info states and order, pending order, targets,
 *	  out-of-order, baselines, validation messages, duplicates, repair and
 *	  what undo would run.
 */
#include "postgres_fe.h"

#include "plan.h"
#include "unit.h"

/* ---- fixtures ---- */

#define MAXN 64

static ResolvedScript *S[MAXN];
static int	NS;
static AppliedRow *R[MAXN];
static int	NR;
static PlanOptions OPTS;

static void
reset(void)
{
	NS = 0;
	NR = 0;
	memset(&OPTS, 0, sizeof(OPTS));
	OPTS.target_kind = TARGET_LATEST;
}

static MigrationVersion
ver(const char *text)
{
	MigrationVersion v;
	char	   *err = NULL;

	memset(&v, 0, sizeof(v));
	if (!version_parse(text, &v, &err))
	{
		fprintf(stderr, "bad version in test: %s\n", text);
		exit(2);
	}
	return v;
}

static ResolvedScript *
mkscript(ScriptKind kind, const char *version, const char *desc, int32 checksum, int32 raw)
{
	ResolvedScript *s = palloc0(sizeof(ResolvedScript));
	const char *prefix = kind == SCRIPT_VERSIONED ? "V" : kind == SCRIPT_BASELINE ? "B" :
		kind == SCRIPT_UNDO ? "U" : "R";

	s->kind = kind;
	if (version)
		s->version = ver(version);
	s->description = pstrdup(desc);
	s->script = psprintf("%s%s__%s.sql", prefix, version ? version : "", desc);
	s->path = psprintf("/db/%s", s->script);
	s->checksum = checksum;
	s->raw_checksum = raw;
	return s;
}

static ResolvedScript *
addV(const char *version, const char *desc, int32 cs)
{
	return S[NS++] = mkscript(SCRIPT_VERSIONED, version, desc, cs, cs);
}

static ResolvedScript *
addB(const char *version, const char *desc, int32 cs)
{
	return S[NS++] = mkscript(SCRIPT_BASELINE, version, desc, cs, cs);
}

static ResolvedScript *
addU(const char *version, const char *desc, int32 cs)
{
	return S[NS++] = mkscript(SCRIPT_UNDO, version, desc, cs, cs);
}

static ResolvedScript *
addR(const char *desc, int32 cs, int32 raw)
{
	return S[NS++] = mkscript(SCRIPT_REPEATABLE, NULL, desc, cs, raw);
}

static AppliedRow *
mkrow(int rank, const char *version, const char *desc, const char *type,
	  bool cs_null, int32 cs, bool success)
{
	AppliedRow *r = palloc0(sizeof(AppliedRow));

	r->installed_rank = rank;
	r->version = version ? pstrdup(version) : NULL;
	if (version)
		r->parsed = ver(version);
	r->description = pstrdup(desc);
	r->type = pstrdup(type);
	r->script = version ? psprintf("V%s__%s.sql", version, desc) : psprintf("R__%s.sql", desc);
	r->checksum_null = cs_null;
	r->checksum = cs;
	r->installed_by = pstrdup("postgres");
	r->installed_on = pstrdup("2024-01-01 00:00:00");
	r->execution_time = 1;
	r->success = success;
	return r;
}

/* a row with the next rank */
static AppliedRow *
addrow(const char *version, const char *desc, const char *type, int32 cs, bool success)
{
	return R[NR] = mkrow(NR + 1, version, desc, type, false, cs, success), R[NR++];
}

static AppliedRow *
addrow_nullcs(const char *version, const char *desc, const char *type, bool success)
{
	return R[NR] = mkrow(NR + 1, version, desc, type, true, 0, success), R[NR++];
}

static MigrationPlan *
build(bool for_validate)
{
	return plan_build(S, NS, R, NR, &OPTS, for_validate);
}

/* "label:State|..." with label = version or description, applied rows starred */
static char *
entries_str(const MigrationPlan *p)
{
	char	   *out = pstrdup("");
	int			i;

	for (i = 0; i < p->nentries; i++)
	{
		const InfoEntry *e = &p->entries[i];
		const char *label;

		if (e->applied)
			label = e->applied->version ? e->applied->version : e->applied->description;
		else
			label = e->resolved->kind == SCRIPT_REPEATABLE ? e->resolved->description :
				e->resolved->version.text;
		out = psprintf("%s%s%s%s:%s", out, i ? "|" : "", e->applied ? "*" : "", label,
					   state_name(e->state));
	}
	return out;
}

static char *
pending_str(const MigrationPlan *p)
{
	char	   *out = pstrdup("");
	int			i;

	for (i = 0; i < p->npending; i++)
		out = psprintf("%s%s%s", out, i ? "|" : "", p->pending[i]->script);
	return out;
}

static char *
codes_str(const MigrationPlan *p)
{
	char	   *out = pstrdup("");
	int			i;

	for (i = 0; i < p->nerrors; i++)
		out = psprintf("%s%s%s", out, i ? "|" : "", p->errors[i].code);
	return out;
}

/* ---- tests ---- */

static void
test_state_names(void)
{
	CHECK_STR(state_name(STATE_PENDING), "Pending");
	CHECK_STR(state_name(STATE_ABOVE_TARGET), "Above Target");
	CHECK_STR(state_name(STATE_BELOW_BASELINE), "Below Baseline");
	CHECK_STR(state_name(STATE_BASELINE_IGNORED), "Ignored (Baseline)");
	CHECK_STR(state_name(STATE_BASELINE), "Baseline");
	CHECK_STR(state_name(STATE_IGNORED), "Ignored");
	CHECK_STR(state_name(STATE_MISSING_SUCCESS), "Missing");
	CHECK_STR(state_name(STATE_MISSING_FAILED), "Failed (Missing)");
	CHECK_STR(state_name(STATE_SUCCESS), "Success");
	CHECK_STR(state_name(STATE_UNDONE), "Undone");
	CHECK_STR(state_name(STATE_AVAILABLE), "Available");
	CHECK_STR(state_name(STATE_FAILED), "Failed");
	CHECK_STR(state_name(STATE_OUT_OF_ORDER), "Out of Order");
	CHECK_STR(state_name(STATE_FUTURE_SUCCESS), "Future");
	CHECK_STR(state_name(STATE_FUTURE_FAILED), "Failed (Future)");
	CHECK_STR(state_name(STATE_OUTDATED), "Outdated");
	CHECK_STR(state_name(STATE_SUPERSEDED), "Superseded");
	CHECK_STR(state_name(STATE_DELETED), "Deleted");
}

static void
test_empty(void)
{
	MigrationPlan *p;

	reset();
	p = build(true);
	CHECK_INT(p->nentries, 0);
	CHECK_INT(p->npending, 0);
	CHECK_INT(p->nerrors, 0);
	CHECK(p->current_version == NULL);
	CHECK(!p->has_failed_row);
	CHECK(!p->target_missing);
	/* NULL options = defaults */
	p = plan_build(S, NS, R, NR, NULL, false);
	CHECK_INT(p->nentries, 0);
}

static void
test_fresh_and_pending_order(void)
{
	MigrationPlan *p;

	reset();
	addR("b", 1, 1);
	addV("1.10", "ten", 1);
	addR("a", 1, 1);
	addV("2", "two", 1);
	addR("B", 1, 1);
	addV("1.9", "nine", 1);
	addV("01", "one", 1);
	p = build(false);
	/* versioned by numeric version, then repeatables in Java String order ("B" < "a" < "b") */
	CHECK_STR(entries_str(p), "01:Pending|1.9:Pending|1.10:Pending|2:Pending|B:Pending|a:Pending|b:Pending");
	CHECK_STR(pending_str(p), "V01__one.sql|V1.9__nine.sql|V1.10__ten.sql|V2__two.sql|R__B.sql|R__a.sql|R__b.sql");
	CHECK_INT(p->nerrors, 0);	/* migrate ignores pending */
	CHECK(p->current_version == NULL);
	CHECK_STR(p->entries[0].category, "Versioned");
	CHECK_STR(p->entries[0].type, "SQL");
	CHECK_STR(p->entries[4].category, "Repeatable");
	CHECK_STR(p->entries[4].type, "SQL");

	/* validate: pending is an error, each with its wording */
	p = build(true);
	CHECK_INT(p->nerrors, 7);
	CHECK_STR(p->errors[0].code, "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED");
	CHECK_STR(p->errors[0].message, "Detected resolved migration not applied to database: 01.");
	CHECK_STR(p->errors[0].detail, "To fix this error, either call migrate_apply(), or SET pg_migrate.ignore_migration_patterns = '*:pending'.");
	CHECK(p->errors[0].entry == &p->entries[0]);
	CHECK_STR(p->errors[4].code, "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED");
	CHECK_STR(p->errors[4].message, "Detected resolved repeatable migration not applied to database: B.");
	CHECK_STR(p->errors[4].detail, "To fix this error, either call migrate_apply(), or SET pg_migrate.ignore_migration_patterns = '*:pending'.");
}

static void
test_applied_success(void)
{
	MigrationPlan *p;

	reset();
	addV("1", "one", 11);
	addV("2", "two", 22);
	addV("3", "three", 33);
	addrow("1", "one", "SQL", 11, true);
	addrow("2.0", "two", "SQL", 22, true);	/* matched numerically */
	p = build(true);
	CHECK_STR(entries_str(p), "*1:Success|*2.0:Success|3:Pending");
	CHECK_STR(pending_str(p), "V3__three.sql");
	CHECK_STR(p->current_version, "2.0");
	CHECK(p->entries[1].resolved == S[1]);
	CHECK_STR(codes_str(p), "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED");
	p = build(false);
	CHECK_INT(p->nerrors, 0);
}

static void
test_out_of_order(void)
{
	MigrationPlan *p;

	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addV("3", "three", 3);
	addV("4", "four", 4);
	addrow("1", "one", "SQL", 1, true);
	addrow("3", "three", "SQL", 3, true);

	/* off: 2 is Ignored and an error even for migrate */
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|*3:Success|2:Ignored|4:Pending");
	CHECK_STR(pending_str(p), "V4__four.sql");
	CHECK_INT(p->nerrors, 1);
	CHECK_STR(p->errors[0].code, "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED");
	CHECK_STR(p->errors[0].message, "Detected resolved migration not applied to database: 2.");
	CHECK_STR(p->errors[0].detail, "To ignore this migration, SET pg_migrate.ignore_migration_patterns = '*:ignored'. To allow executing this migration, SET pg_migrate.out_of_order = on.");

	/* on: pending, in version order */
	OPTS.out_of_order = true;
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|*3:Success|2:Pending|4:Pending");
	CHECK_STR(pending_str(p), "V2__two.sql|V4__four.sql");
	CHECK_INT(p->nerrors, 0);

	/* after applying it: Out of Order (rank after a higher version) */
	addrow("2", "two", "SQL", 2, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|*3:Success|*2:Out of Order|4:Pending");
	CHECK_STR(p->current_version, "3");
	CHECK_INT(p->nerrors, 0);
	OPTS.out_of_order = false;
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|*3:Success|*2:Out of Order|4:Pending");
	CHECK_INT(p->nerrors, 0);
}

static void
test_missing_future_failed(void)
{
	MigrationPlan *p;

	/* Missing: below the highest local version */
	reset();
	addV("1", "one", 1);
	addV("3", "three", 3);
	addrow("1", "one", "SQL", 1, true);
	addrow("2", "two", "SQL", 2, true);
	addrow("3", "three", "SQL", 3, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|*2:Missing|*3:Success");
	CHECK_STR(codes_str(p), "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED");
	CHECK_STR(p->errors[0].message, "Detected applied migration not resolved locally: 2.");
	CHECK_STR(p->errors[0].detail, "If you removed this migration intentionally, call migrate_repair() to mark the migration as deleted.");
	CHECK_STR(p->entries[1].category, "Versioned");
	CHECK(!p->has_failed_row);

	/* Failed (Missing) */
	R[1]->success = false;
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|*2:Failed (Missing)|*3:Success");
	CHECK_STR(codes_str(p), "FAILED_VERSIONED_MIGRATION");
	CHECK_STR(p->errors[0].message, "Detected failed migration to version 2 (two).");
	CHECK_STR(p->errors[0].detail, "Please remove any half-completed changes then call migrate_repair() to fix the schema history.");
	CHECK(p->has_failed_row);
	CHECK(p->failed_row == R[1]);

	/* Future: at or above the highest local version; ignored by "*:future" */
	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addrow("1", "one", "SQL", 1, true);
	addrow("2", "two", "SQL", 2, true);
	addrow("3", "three", "SQL", 3, true);
	p = build(true);
	CHECK_STR(entries_str(p), "*1:Success|*2:Success|*3:Future");
	CHECK_INT(p->nerrors, 0);
	CHECK_STR(p->current_version, "3");

	/* Failed (Future): no validation error; alone it does not block migrate */
	R[2]->success = false;
	p = build(true);
	CHECK_STR(entries_str(p), "*1:Success|*2:Success|*3:Failed (Future)");
	CHECK_INT(p->nerrors, 0);
	CHECK(!p->has_failed_row);
	addrow("4", "four", "SQL", 4, false);
	p = build(true);
	CHECK_STR(entries_str(p), "*1:Success|*2:Success|*3:Failed (Future)|*4:Failed (Future)");
	CHECK(p->has_failed_row);
	CHECK(p->failed_row == R[2]);

	/* Future with no local scripts at all */
	reset();
	addrow("1", "one", "SQL", 1, true);
	p = build(true);
	CHECK_STR(entries_str(p), "*1:Future");

	/* Failed with its file */
	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addV("3", "three", 3);
	addrow("1", "one", "SQL", 1, true);
	addrow("2", "two", "SQL", 2, false);
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|*2:Failed|3:Pending");
	CHECK_STR(codes_str(p), "FAILED_VERSIONED_MIGRATION");
	CHECK_STR(p->errors[0].message, "Detected failed migration to version 2 (two).");
	CHECK(p->has_failed_row);
	CHECK(p->failed_row == R[1]);
	CHECK_STR(p->current_version, "2");	/* Flyway's current() counts failed rows */
}

static void
test_baseline_row(void)
{
	MigrationPlan *p;

	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addV("3", "three", 3);
	addV("4", "four", 4);
	addV("5", "five", 5);
	R[NR] = mkrow(1, "3", "<< Flyway Baseline >>", "BASELINE", true, 0, true);
	R[NR]->script = pstrdup("<< Flyway Baseline >>");
	NR++;
	p = build(false);
	CHECK_STR(entries_str(p), "1:Below Baseline|2:Below Baseline|*3:Baseline|3:Ignored (Baseline)|4:Pending|5:Pending");
	CHECK_STR(pending_str(p), "V4__four.sql|V5__five.sql");
	CHECK_STR(p->current_version, "3");
	CHECK_STR(p->entries[2].category, "");
	CHECK_STR(p->entries[2].type, "BASELINE");
	CHECK_INT(p->nerrors, 0);
	p = build(true);
	CHECK_STR(codes_str(p), "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED|RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED");

	/* mismatches at or below the baseline are not checked */
	addrow("4", "four", "SQL", 4, true);
	R[NR - 1]->parsed = ver("2");
	R[NR - 1]->version = pstrdup("2");
	R[NR - 1]->checksum = 999;
	p = build(false);
	CHECK_STR(entries_str(p), "1:Below Baseline|*3:Baseline|*2:Out of Order|3:Ignored (Baseline)|4:Pending|5:Pending");
	CHECK_INT(p->nerrors, 0);

	/* SCHEMA marker at rank 0 */
	reset();
	addV("1", "one", 1);
	R[NR] = mkrow(0, NULL, "<< Flyway Schema Creation >>", "SCHEMA", true, 0, true);
	R[NR]->script = pstrdup("\"app\"");
	NR++;
	p = build(true);
	CHECK_STR(entries_str(p), "*<< Flyway Schema Creation >>:Success|1:Pending");
	CHECK_STR(p->entries[0].category, "");
	CHECK_STR(p->entries[0].type, "SCHEMA");
	CHECK(p->current_version == NULL);
	CHECK_STR(codes_str(p), "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED");
}

static void
test_targets(void)
{
	MigrationPlan *p;
	char	   *err = NULL;

	CHECK(plan_parse_target(NULL, &OPTS, &err));
	CHECK_INT(OPTS.target_kind, TARGET_LATEST);
	CHECK(plan_parse_target("Latest", &OPTS, &err));
	CHECK_INT(OPTS.target_kind, TARGET_LATEST);
	CHECK(plan_parse_target("CURRENT", &OPTS, &err));
	CHECK_INT(OPTS.target_kind, TARGET_CURRENT);
	CHECK(plan_parse_target("next", &OPTS, &err));
	CHECK_INT(OPTS.target_kind, TARGET_NEXT);
	CHECK(plan_parse_target("3?", &OPTS, &err));
	CHECK_INT(OPTS.target_kind, TARGET_VERSION);
	CHECK(OPTS.target_optional);
	CHECK_STR(OPTS.target.text, "3");
	CHECK(plan_parse_target("1_2", &OPTS, &err));
	CHECK(!OPTS.target_optional);
	CHECK_STR(OPTS.target.text, "1.2");
	err = NULL;
	CHECK(!plan_parse_target("1.a", &OPTS, &err));
	CHECK(err != NULL && strstr(err, "1.a") != NULL);
	err = NULL;
	CHECK(!plan_parse_target("", &OPTS, &err));
	CHECK(err != NULL);

	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addV("3", "three", 3);
	addV("4", "four", 4);
	addR("r", 1, 1);
	addrow("1", "one", "SQL", 1, true);

	p = build(false);
	CHECK_STR(pending_str(p), "V2__two.sql|V3__three.sql|V4__four.sql|R__r.sql");

	plan_parse_target("3", &OPTS, NULL);
	p = build(true);
	CHECK_STR(entries_str(p), "*1:Success|2:Pending|3:Pending|4:Above Target|r:Pending");
	CHECK_STR(pending_str(p), "V2__two.sql|V3__three.sql|R__r.sql");
	CHECK(!p->target_missing);
	/* Above Target is not validated */
	CHECK_STR(codes_str(p), "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED|RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED|RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED");

	plan_parse_target("3.0", &OPTS, NULL);
	p = build(false);
	CHECK(!p->target_missing);
	plan_parse_target("1", &OPTS, NULL);	/* an applied row counts */
	p = build(false);
	CHECK(!p->target_missing);
	CHECK_STR(pending_str(p), "R__r.sql");
	plan_parse_target("7", &OPTS, NULL);
	p = build(false);
	CHECK(p->target_missing);
	CHECK_STR(pending_str(p), "V2__two.sql|V3__three.sql|V4__four.sql|R__r.sql");
	plan_parse_target("7?", &OPTS, NULL);
	p = build(false);
	CHECK(!p->target_missing);

	plan_parse_target("next", &OPTS, NULL);
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|2:Pending|3:Above Target|4:Above Target|r:Pending");
	CHECK_STR(pending_str(p), "V2__two.sql|R__r.sql");
	CHECK(!p->target_missing);

	plan_parse_target("current", &OPTS, NULL);
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|2:Above Target|3:Above Target|4:Above Target|r:Pending");
	CHECK_STR(pending_str(p), "R__r.sql");

	/* current on an empty history: every version is above EMPTY */
	NR = 0;
	p = build(false);
	CHECK_STR(pending_str(p), "R__r.sql");

	/* next with nothing versioned pending: no target */
	reset();
	addV("1", "one", 1);
	addR("r", 1, 1);
	addrow("1", "one", "SQL", 1, true);
	plan_parse_target("next", &OPTS, NULL);
	p = build(false);
	CHECK_STR(pending_str(p), "R__r.sql");
}

static void
test_baseline_scripts(void)
{
	MigrationPlan *p;

	/* empty history: the highest B script runs first, V <= it are skipped */
	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addV("3", "three", 3);
	addV("4", "four", 4);
	addB("3", "base three", 30);
	addB("2", "base two", 20);
	addR("r", 1, 1);
	p = build(false);
	CHECK_STR(entries_str(p), "1:Below Baseline|2:Below Baseline|2:Below Baseline|3:Ignored (Baseline)|3:Pending|4:Pending|r:Pending");
	CHECK_STR(pending_str(p), "B3__base three.sql|V4__four.sql|R__r.sql");
	CHECK_STR(p->entries[4].type, "SQL_BASELINE");
	CHECK_STR(p->entries[4].category, "Baseline");
	CHECK_INT(p->nerrors, 0);

	/* target next: only the B script */
	OPTS.target_kind = TARGET_NEXT;
	p = build(false);
	CHECK_STR(pending_str(p), "B3__base three.sql|R__r.sql");
	OPTS.target_kind = TARGET_LATEST;

	/* after B3 ran */
	addrow("3", "base three", "SQL_BASELINE", 30, true);
	p = build(false);
	CHECK_STR(entries_str(p), "1:Below Baseline|2:Below Baseline|2:Below Baseline|*3:Baseline|3:Ignored (Baseline)|4:Pending|r:Pending");
	CHECK_STR(pending_str(p), "V4__four.sql|R__r.sql");
	CHECK_STR(p->current_version, "3");
	CHECK_STR(p->entries[3].category, "Baseline");
	CHECK_INT(p->nerrors, 0);
	/* a changed B script after it ran: at the baseline, so not checked */
	S[4]->checksum = 31;
	p = build(false);
	CHECK_INT(p->nerrors, 0);
	/* its file gone: Missing (versions below 4) */
	S[4]->kind = SCRIPT_VERSIONED;
	S[4]->version = ver("3.5");
	p = build(false);
	CHECK_STR(entries_str(p), "1:Below Baseline|2:Below Baseline|2:Below Baseline|*3:Missing|3:Ignored (Baseline)|3.5:Pending|4:Pending|r:Pending");

	/* existing database: B scripts are Ignored, and harmless */
	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addB("2", "base two", 20);
	addB("5", "base five", 50);
	addrow("1", "one", "SQL", 1, true);
	p = build(true);
	CHECK_STR(entries_str(p), "*1:Success|2:Pending|2:Ignored|5:Ignored");
	CHECK_STR(pending_str(p), "V2__two.sql");
	CHECK_STR(codes_str(p), "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED");
	p = build(false);
	CHECK_INT(p->nerrors, 0);

	/* only repeatables applied: still no versioned history, B runs */
	reset();
	addV("1", "one", 1);
	addB("1", "base one", 10);
	addR("r", 1, 1);
	addrow(NULL, "r", "SQL", 1, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*r:Success|1:Ignored (Baseline)|1:Pending");
	CHECK_STR(pending_str(p), "B1__base one.sql");
}

static void
test_repeatables(void)
{
	MigrationPlan *p;
	int			i;

	/* unchanged */
	reset();
	addR("a", 10, 100);
	addrow(NULL, "a", "SQL", 10, true);
	p = build(true);
	CHECK_STR(entries_str(p), "*a:Success");
	CHECK_INT(p->npending, 0);
	CHECK_INT(p->nerrors, 0);
	CHECK_STR(p->entries[0].category, "Repeatable");

	/* stored checksum equals the raw-text checksum: equivalent, not pending */
	R[0]->checksum = 100;
	p = build(true);
	CHECK_STR(entries_str(p), "*a:Success");
	CHECK_INT(p->npending, 0);

	/* NULL stored checksum matches */
	R[0]->checksum_null = true;
	p = build(true);
	CHECK_STR(entries_str(p), "*a:Success");
	R[0]->checksum_null = false;

	/* changed: the row is Outdated and a new Pending entry appears */
	R[0]->checksum = 11;
	p = build(false);
	CHECK_STR(entries_str(p), "*a:Outdated|a:Pending");
	CHECK_STR(pending_str(p), "R__a.sql");
	CHECK_INT(p->nerrors, 0);
	p = build(true);
	CHECK_STR(codes_str(p), "OUTDATED_REPEATABLE_MIGRATION|RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED");
	CHECK_STR(p->errors[0].message, "Detected outdated resolved repeatable migration that should be re-applied to database: a.");
	CHECK_STR(p->errors[0].detail, "To execute this migration, call migrate_apply().");

	/* re-applied: older run Superseded */
	addrow(NULL, "a", "SQL", 10, true);
	p = build(true);
	CHECK_STR(entries_str(p), "*a:Superseded|*a:Success");
	CHECK_INT(p->nerrors, 0);
	CHECK(p->current_version == NULL);

	/* versioned pending before repeatables, whatever their order as rows */
	addV("1", "one", 1);
	p = build(false);
	CHECK_STR(pending_str(p), "V1__one.sql");
	S[0]->checksum = 12;
	p = build(false);
	CHECK_STR(entries_str(p), "*a:Superseded|*a:Outdated|1:Pending|a:Pending");
	CHECK_STR(pending_str(p), "V1__one.sql|R__a.sql");

	/* missing repeatable: latest run Missing, older ones Superseded */
	reset();
	addrow(NULL, "gone", "SQL", 1, true);
	addrow(NULL, "gone", "SQL", 2, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*gone:Superseded|*gone:Missing");
	CHECK_STR(codes_str(p), "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED");
	CHECK_STR(p->errors[0].message, "Detected applied migration not resolved locally: gone.");
	CHECK_STR(p->errors[0].detail, "If you removed this migration intentionally, call migrate_repair() to mark the migration as deleted.");
	R[1]->success = false;
	p = build(false);
	CHECK_STR(entries_str(p), "*gone:Superseded|*gone:Failed (Missing)");
	CHECK_STR(codes_str(p), "FAILED_REPEATABLE_MIGRATION");
	CHECK_STR(p->errors[0].message, "Detected failed repeatable migration: gone.");
	CHECK(p->has_failed_row);
	CHECK(p->failed_row == R[1]);

	/* failed repeatable with its file */
	reset();
	addR("a", 10, 10);
	addrow(NULL, "a", "SQL", 10, false);
	p = build(false);
	CHECK_STR(entries_str(p), "*a:Failed");
	CHECK_INT(p->npending, 0);
	CHECK_STR(codes_str(p), "FAILED_REPEATABLE_MIGRATION");

	/* many descriptions interleaved in rank order */
	reset();
	for (i = 0; i < 3; i++)
	{
		addrow(NULL, "x", "SQL", 1, true);
		addrow(NULL, "y", "SQL", 2, true);
	}
	addR("x", 1, 1);
	addR("y", 3, 3);
	p = build(false);
	CHECK_STR(entries_str(p), "*x:Superseded|*y:Superseded|*x:Superseded|*y:Superseded|*x:Success|*y:Outdated|y:Pending");
}

static void
test_checksums_and_descriptions(void)
{
	MigrationPlan *p;
	char		longdesc[260];
	char	   *abbr;

	/* NULL stored checksum matches (both build modes) */
	reset();
	addV("1", "one", 5);
	addrow_nullcs("1", "one", "SQL", true);
	p = build(true);
	CHECK_STR(entries_str(p), "*1:Success");
	CHECK_INT(p->nerrors, 0);

	/* checksum mismatch */
	reset();
	addV("1", "one", 2);
	addV("2", "two", -7);
	addrow("1", "one", "SQL", 1, true);
	addrow("2", "two", "SQL", -5, true);
	p = build(false);
	CHECK_INT(p->nerrors, 2);
	CHECK_STR(p->errors[0].code, "CHECKSUM_MISMATCH");
	CHECK_STR(p->errors[0].message, "Migration checksum mismatch for migration version 1 (V1__one.sql)");
	CHECK_STR(p->errors[0].detail,
			  "-> Applied to database : 1\n"
			  "-> Resolved locally    : 2\n"
			  "Either revert the changes to the migration, or call migrate_repair() to update the schema history.");
	CHECK_STR(p->errors[1].detail,
			  "-> Applied to database : -5\n"
			  "-> Resolved locally    : -7\n"
			  "Either revert the changes to the migration, or call migrate_repair() to update the schema history.");
	CHECK(p->errors[1].entry == &p->entries[1]);

	/* description mismatch */
	reset();
	addV("1", "uno", 1);
	addrow("1", "one", "SQL", 1, true);
	p = build(false);
	CHECK_STR(codes_str(p), "DESCRIPTION_MISMATCH");
	CHECK_STR(p->errors[0].message, "Migration description mismatch for migration version 1 (V1__uno.sql)");
	CHECK_STR(p->errors[0].detail,
			  "-> Applied to database : one\n"
			  "-> Resolved locally    : uno\n"
			  "Either revert the changes to the migration, or call migrate_repair() to update the schema history.");

	/* checksum is checked before description */
	S[0]->checksum = 9;
	p = build(false);
	CHECK_STR(codes_str(p), "CHECKSUM_MISMATCH");

	/* a long description is compared in its stored (abbreviated) form */
	memset(longdesc, 'd', 250);
	longdesc[250] = '\0';
	abbr = abbreviate_description(longdesc);
	reset();
	addV("1", longdesc, 1);
	addrow("1", abbr, "SQL", 1, true);
	p = build(true);
	CHECK_INT(p->nerrors, 0);

	/* "<< no description >>" stands for "" */
	reset();
	addV("1", "", 1);
	addrow("1", "<< no description >>", "SQL", 1, true);
	p = build(true);
	CHECK_INT(p->nerrors, 0);
}

static void
test_type_mismatch_and_unknown_types(void)
{
	MigrationPlan *p;

	/* repeatables match by description, so the type can differ */
	reset();
	addR("a", 1, 1);
	addrow(NULL, "a", "JDBC", 1, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*a:Success");
	CHECK_STR(codes_str(p), "TYPE_MISMATCH");
	CHECK_STR(p->errors[0].message, "Migration type mismatch for migration R__a.sql");
	CHECK_STR(p->errors[0].detail,
			  "-> Applied to database : JDBC\n"
			  "-> Resolved locally    : SQL\n"
			  "Either revert the changes to the migration, or call migrate_repair() to update the schema history.");
	CHECK_STR(p->entries[0].type, "JDBC");

	/* versioned rows of a type no script has: not matched (Future/Missing) */
	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addrow("1", "one", "SQL", 1, true);
	addrow("2", "two", "JDBC", 2, true);
	addrow("3", "three", "WEIRD_TYPE", 3, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|*2:Future|*3:Future|2:Ignored");
	CHECK_STR(p->entries[1].category, "Versioned");
	CHECK_STR(p->entries[2].type, "WEIRD_TYPE");
	CHECK_STR(codes_str(p), "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED");
	CHECK_STR(p->current_version, "3");

	/* unknown repeatable type without a file */
	reset();
	addrow(NULL, "thing", "WEIRD_TYPE", 3, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*thing:Missing");
	CHECK_STR(codes_str(p), "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED");

	/* legacy SQL_STATE_SCRIPT row matches a B script */
	reset();
	addB("2", "b", 1);
	addV("3", "three", 3);
	addrow("2", "b", "SQL_STATE_SCRIPT", 1, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*2:Baseline|3:Pending");
	CHECK(p->entries[0].resolved == S[0]);
}

static void
test_delete_rows(void)
{
	MigrationPlan *p;

	/* a DELETE row (from repair) marks the earlier row as Deleted and is not listed */
	reset();
	addV("1", "one", 1);
	addrow("1", "one", "SQL", 1, true);
	addrow("2", "two", "SQL", 2, true);
	addrow("2", "two", "DELETE", 2, true);
	p = build(true);
	CHECK_STR(entries_str(p), "*1:Success|*2:Deleted");
	CHECK_INT(p->nerrors, 0);
	CHECK_STR(p->current_version, "1");

	/* the file comes back: pending again */
	addV("2", "two", 2);
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|*2:Deleted|2:Pending");
	CHECK_STR(pending_str(p), "V2__two.sql");
	CHECK_INT(p->nerrors, 0);

	/* two DELETE rows for one applied row: corrupted history */
	addrow("2", "two", "DELETE", 2, true);
	p = build(false);
	CHECK_STR(codes_str(p), "DUPLICATE_DELETED_MIGRATION");
	CHECK_STR(p->errors[0].message, "Corrupted schema history: multiple delete entries for version 2");

	/* repeatable DELETE: marks the latest earlier run; the DELETE row is listed */
	reset();
	addrow(NULL, "r", "SQL", 1, true);
	addrow(NULL, "r", "SQL", 2, true);
	addrow(NULL, "r", "DELETE", 2, true);
	p = build(true);
	CHECK_STR(entries_str(p), "*r:Superseded|*r:Deleted|*r:Success");
	CHECK_STR(p->entries[2].category, "");
	CHECK_INT(p->nerrors, 0);
	/* file back with the same checksum: pending again (the latest run is the DELETE row) */
	addR("r", 2, 2);
	p = build(false);
	CHECK_STR(pending_str(p), "R__r.sql");

	/* a failed DELETE row does not delete */
	reset();
	addV("2", "two", 2);
	addrow("1", "one", "SQL", 1, false);
	addrow("1", "one", "DELETE", 1, false);
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Failed (Missing)|*1:Success|2:Pending");
}

static void
test_undo_rows(void)
{
	MigrationPlan *p;

	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addU("2", "undo two", 20);
	addrow("1", "one", "SQL", 1, true);
	addrow("2", "two", "SQL", 2, true);
	addrow("2", "undo two", "UNDO_SQL", 20, true);
	p = build(true);
	CHECK_STR(entries_str(p), "*1:Success|*2:Undone|*2:Success|2:Pending");
	CHECK_STR(p->entries[2].category, "Undo");
	CHECK_STR(p->entries[2].type, "UNDO_SQL");
	CHECK(p->entries[2].resolved == S[2]);
	CHECK_STR(pending_str(p), "V2__two.sql");
	CHECK_STR(p->current_version, "1");
	CHECK_STR(codes_str(p), "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED");
	p = build(false);
	CHECK_INT(p->nerrors, 0);

	/* re-applied: a new SQL row, in order, not out of order */
	addrow("2", "two", "SQL", 2, true);
	p = build(true);
	CHECK_STR(entries_str(p), "*1:Success|*2:Undone|*2:Success|*2:Success");
	CHECK_INT(p->npending, 0);
	CHECK_STR(p->current_version, "2");
	CHECK_INT(p->nerrors, 0);

	/* undo rows without the U file do not fail validation */
	NS = 2;
	p = build(false);
	CHECK_INT(p->nerrors, 0);

	/* U scripts alone are not info entries */
	reset();
	addU("1", "undo one", 1);
	p = build(true);
	CHECK_INT(p->nentries, 0);
	CHECK_INT(p->npending, 0);
}

/*
 * Rows of one version marked by later DELETE and undo rows: each marks the
 * right earlier row however long the group is (the group is walked once).
 */
static void
test_marking_groups(void)
{
	static AppliedRow *lr[12001];
	MigrationPlan *p;
	int			nr = 0;
	int			undone = 0;
	int			i;

	/* two runs, then two undos: the latest run is undone first */
	reset();
	addV("5", "five", 5);
	addU("5", "undo five", 50);
	addrow("5", "five", "SQL", 5, true);
	addrow("5", "five", "SQL", 5, true);
	addrow("5", "undo five", "UNDO_SQL", 50, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*5:Success|*5:Undone|*5:Success");
	addrow("5", "undo five", "UNDO_SQL", 50, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*5:Undone|*5:Undone|*5:Success|*5:Success|5:Pending");
	/* applied again and undone again: only the new run is undone */
	addrow("5", "five", "SQL", 5, true);
	addrow("5", "undo five", "UNDO_SQL", 50, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*5:Undone|*5:Undone|*5:Success|*5:Success|*5:Undone|*5:Success|5:Pending");

	/* a DELETE row passes over a BASELINE marker to the migration before it */
	reset();
	addrow("3", "three", "SQL", 3, true);
	addrow("3", "baseline", "BASELINE", 0, true);
	addrow("3", "three", "DELETE", 3, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*3:Deleted|*3:Baseline");
	CHECK_INT(p->nerrors, 0);

	/* a repeatable's DELETE row passes over an earlier DELETE row */
	reset();
	addrow(NULL, "r", "SQL", 1, true);
	addrow(NULL, "r", "DELETE", 1, true);
	addrow(NULL, "r", "DELETE", 1, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*r:Deleted|*r:Success|*r:Success");

	/* a long group: 6000 runs of version 7, then 6000 undo rows undo them all */
	for (i = 0; i < 6000; i++, nr++)
		lr[nr] = mkrow(nr + 1, "7", "seven", "SQL", false, 7, true);
	for (i = 0; i < 6000; i++, nr++)
		lr[nr] = mkrow(nr + 1, "7", "undo seven", "UNDO_SQL", false, 70, true);
	/* and one more DELETE row: it marks the latest undo row */
	lr[nr] = mkrow(nr + 1, "7", "seven", "DELETE", false, 7, true);
	nr++;
	reset();
	p = plan_build(NULL, 0, lr, nr, &OPTS, false);
	CHECK_INT(p->nentries, 12000);
	for (i = 0; i < p->nentries; i++)
		undone += p->entries[i].state == STATE_UNDONE;
	CHECK_INT(undone, 6000);
	CHECK(p->entries[11999].state == STATE_DELETED);
	CHECK(p->entries[11998].state != STATE_DELETED);
}

static void
test_duplicates(void)
{
	const ResolvedScript *a,
			   *b;

	reset();
	addV("1", "a", 1);
	addV("2", "b", 1);
	addR("x", 1, 1);
	addB("1", "base", 1);
	addU("1", "undo", 1);
	CHECK_INT(plan_find_duplicates(S, NS, &a, &b), 0);
	CHECK(a == NULL && b == NULL);

	addV("1.0", "c", 1);		/* numerically equal to 1 */
	CHECK_INT(plan_find_duplicates(S, NS, &a, &b), 1);
	CHECK(a == S[0] && b == S[5]);

	addR("x", 2, 2);
	addB("01", "base again", 1);
	addU("1.0.0", "undo again", 1);
	addV("001", "d", 1);
	CHECK_INT(plan_find_duplicates(S, NS, &a, &b), 5);
	CHECK(a == S[0] && b == S[5]);

	reset();
	addR("same", 1, 1);
	addR("other", 1, 1);
	addR("same", 2, 2);
	CHECK_INT(plan_find_duplicates(S, NS, &a, &b), 1);
	CHECK(a == S[0] && b == S[2]);
	CHECK_INT(plan_find_duplicates(S, NS, NULL, NULL), 1);
	CHECK_INT(plan_find_duplicates(S, 0, &a, &b), 0);
}

static int
count_actions(RepairAction *acts, int n, int action)
{
	int			i,
				c = 0;

	for (i = 0; i < n; i++)
		if ((int) acts[i].action == action)
			c++;
	return c;
}

static void
test_repair(void)
{
	MigrationPlan *p;
	RepairAction *acts;
	int			n;

	reset();
	addV("1", "one", 1);
	addV("4", "four", 44);		/* changed checksum */
	addV("6", "six", 6);
	addV("7", "seven", 7);
	addR("a", 10, 100);			/* placeholders: replaced 10, raw 100 */
	addR("d", 5, 5);
	addB("9", "base nine", 90);	/* Ignored: not touched */
	addrow("1", "one", "SQL", 1, true);		/* 1 ok */
	addrow("2", "two", "SQL", 2, false);	/* 2 failed: deleted */
	addrow("3", "three", "SQL", 3, true);	/* 3 Missing: marked */
	addrow("4", "vier", "SQL", 4, true);	/* 4 realigned */
	addrow(NULL, "a", "SQL", 100, true);	/* 5 stored the raw checksum: realigned */
	addrow(NULL, "b", "SQL", 7, true);	/* 6 missing repeatable: marked */
	addrow(NULL, "c", "SQL", 8, true);	/* 7 c, earlier run */
	addrow(NULL, "c", "SQL", 9, false); /* 8 c, failed latest run: deleted, then 7 is Missing */
	addrow("6", "six", "SQL", 6, true);	/* 9 ok */
	addrow(NULL, "d", "SQL", 5, true);	/* 10 ok */
	addrow("10", "ten", "SQL", 10, true);	/* 11 Future: left alone ("*:future") */
	addrow(NULL, "<< Flyway Schema Creation >>", "SCHEMA", 0, true);	/* 12 synthetic */
	R[NR - 1]->checksum_null = true;
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Success|*2:Failed (Missing)|*3:Missing|*4:Success|*a:Success|*b:Missing|*c:Superseded|*c:Failed (Missing)|*6:Success|*d:Success|*10:Future|*<< Flyway Schema Creation >>:Success|7:Ignored|9:Ignored");
	acts = plan_repair(p, &n);
	CHECK_INT(n, 7);
	CHECK_INT(count_actions(acts, n, REPAIR_DELETE_FAILED), 2);
	CHECK_INT(count_actions(acts, n, REPAIR_MARK_DELETED), 3);
	CHECK_INT(count_actions(acts, n, REPAIR_REALIGN), 2);
	if (n == 7)
	{
		CHECK_INT((int) acts[0].action, REPAIR_DELETE_FAILED);
		CHECK(acts[0].row == R[1]);
		CHECK_INT((int) acts[1].action, REPAIR_DELETE_FAILED);
		CHECK(acts[1].row == R[7]);
		CHECK_INT((int) acts[2].action, REPAIR_MARK_DELETED);
		CHECK(acts[2].row == R[2]);
		CHECK_INT((int) acts[3].action, REPAIR_MARK_DELETED);
		CHECK(acts[3].row == R[5]);
		CHECK_INT((int) acts[4].action, REPAIR_MARK_DELETED);
		CHECK(acts[4].row == R[6]);
		CHECK_INT((int) acts[5].action, REPAIR_REALIGN);
		CHECK(acts[5].row == R[3]);
		CHECK(acts[5].script == S[1]);
		CHECK_INT((int) acts[6].action, REPAIR_REALIGN);
		CHECK(acts[6].row == R[4]);
		CHECK(acts[6].script == S[4]);
	}

	/* a realigned description only (same checksum) */
	reset();
	addV("1", "uno", 1);
	addrow("1", "one", "SQL", 1, true);
	p = build(false);
	acts = plan_repair(p, &n);
	CHECK_INT(n, 1);
	CHECK_INT((int) acts[0].action, REPAIR_REALIGN);

	/* a legacy type name is realigned too */
	reset();
	addB("1", "b", 1);
	addrow("1", "b", "SQL_STATE_SCRIPT", 1, true);
	p = build(false);
	acts = plan_repair(p, &n);
	CHECK_INT(n, 1);

	/* nothing to do: no actions; NULL checksum counts as matching */
	reset();
	addV("1", "one", 1);
	addR("r", 3, 4);
	addrow_nullcs("1", "one", "SQL", true);
	addrow(NULL, "r", "SQL", 3, true);
	p = build(false);
	acts = plan_repair(p, &n);
	CHECK_INT(n, 0);

	/* undone and deleted rows are left alone */
	reset();
	addV("1", "one", 2);
	addV("2", "two", 2);
	addrow("1", "one", "SQL", 1, true);
	addrow("1", "one", "UNDO_SQL", 1, true);
	addrow("2", "two", "SQL", 3, true);
	addrow("2", "two", "DELETE", 3, true);
	p = build(false);
	CHECK_STR(entries_str(p), "*1:Undone|*1:Missing|*2:Deleted|1:Pending|2:Pending");
	acts = plan_repair(p, &n);
	CHECK_INT(n, 0);
}

/* 10,000 scripts and 10,000 rows */
static void
test_large(void)
{
	static ResolvedScript *ls[10000];
	static AppliedRow *lr[10000];
	MigrationPlan *p;
	int			i,
				nr = 0;
	char		buf[64];

	for (i = 0; i < 9000; i++)
	{
		snprintf(buf, sizeof(buf), "%d.%d", i / 100 + 1, i % 100);
		ls[i] = mkscript(SCRIPT_VERSIONED, buf, "step", i, i);
	}
	for (i = 0; i < 1000; i++)
	{
		snprintf(buf, sizeof(buf), "view %04d", i);
		ls[9000 + i] = mkscript(SCRIPT_REPEATABLE, NULL, buf, i, i);
	}
	/* the first 8000 versions applied, in shuffled rank order */
	for (i = 0; i < 8000; i++)
	{
		int			j = (i * 7919) % 8000;

		snprintf(buf, sizeof(buf), "%d.%d", j / 100 + 1, j % 100);
		lr[nr] = mkrow(nr + 1, buf, "step", "SQL", false, j, true);
		nr++;
	}
	/* every repeatable run twice; the second run of the odd ones is outdated */
	for (i = 0; i < 2000; i++)
	{
		int			j = i % 1000;

		snprintf(buf, sizeof(buf), "view %04d", j);
		lr[nr] = mkrow(nr + 1, NULL, buf, "SQL", false, (i >= 1000 && j % 2) ? -1 : j, true);
		nr++;
	}
	OPTS.target_kind = TARGET_LATEST;
	OPTS.out_of_order = true;
	p = plan_build(ls, 10000, lr, nr, &OPTS, false);
	CHECK_INT(p->nentries, 8000 + 1000 + 2000 + 500);
	CHECK_INT(p->npending, 1000 + 500);
	CHECK_INT(p->nerrors, 0);
	CHECK_STR(p->current_version, "80.99");
	CHECK_STR(p->pending[0]->version.text, "81.0");
	CHECK(p->pending[1000]->kind == SCRIPT_REPEATABLE);
	CHECK_STR(p->pending[1000]->description, "view 0001");
	OPTS.out_of_order = false;
}

/* ---- undo ---- */

/* What plan_undo() chose, as "U3__x.sql|U2__x.sql", or "error SQLSTATE: message". */
static char *
undo_str(const char *target)
{
	MigrationPlan *p = build(false);
	const ResolvedScript **undo = NULL;
	int			n = -1;
	MigrateError err;
	char	   *out = pstrdup("");

	migrate_error_clear(&err);
	if (!plan_undo(p, S, NS, target, &undo, &n, NULL, &err))
	{
		CHECK(migrate_error_is_set(&err));
		CHECK_INT(n, 0);
		return psprintf("error %s: %s", err.sqlstate, err.message);
	}
	CHECK(!migrate_error_is_set(&err));
	for (int i = 0; i < n; i++)
		out = psprintf("%s%s%s", out, i ? "|" : "", undo[i]->script);
	return out;
}

static void
test_undo_selection(void)
{
	MigrationPlan *p;
	const ResolvedScript **undo;
	int			n;
	MigrateError err;

	/* nothing applied: nothing to undo, and that is no error */
	reset();
	addV("1", "one", 1);
	addU("1", "one", 1);
	CHECK_STR(undo_str(NULL), "");

	/* without a target: the highest applied version only */
	reset();
	addV("1", "one", 1);
	addV("1.10", "ten", 10);
	addV("1.9", "nine", 9);
	addU("1", "one", 1);
	addU("1.9", "nine", 9);
	addU("1.10", "ten", 10);
	addrow("1", "one", "SQL", 1, true);
	addrow("1.10", "ten", "SQL", 10, true);
	addrow("1.9", "nine", "SQL", 9, true);
	/* 1.9 was applied last (out of order): Flyway Teams undoes it first */
	CHECK_STR(undo_str(NULL), "U1.9__nine.sql");
	CHECK_STR(undo_str("current"), "U1.9__nine.sql");
	CHECK_STR(undo_str("latest"), "U1.9__nine.sql");
	/* with one: newest applied first, down to the first version below it */
	CHECK_STR(undo_str("1"), "U1.9__nine.sql|U1.10__ten.sql|U1__one.sql");
	CHECK_STR(undo_str("1.0"), "U1.9__nine.sql|U1.10__ten.sql|U1__one.sql");
	CHECK_STR(undo_str("1.1"), "U1.9__nine.sql|U1.10__ten.sql");
	CHECK_STR(undo_str("1.9"), "U1.9__nine.sql|U1.10__ten.sql");
	CHECK_STR(undo_str("1.9?"), "U1.9__nine.sql|U1.10__ten.sql");
	CHECK_STR(undo_str("0"), "U1.9__nine.sql|U1.10__ten.sql|U1__one.sql");
	/* 1.9, applied last, is below 1.10: the walk stops at once, as in Flyway */
	CHECK_STR(undo_str("1.10"), "");
	CHECK_STR(undo_str("7"), "");

	/* a bad target: 22023, with Flyway's reason as the detail */
	p = build(false);
	migrate_error_clear(&err);
	CHECK(!plan_undo(p, S, NS, "1.x", &undo, &n, NULL, &err));
	CHECK_STR(err.sqlstate, "22023");
	CHECK_STR(err.message, "invalid undo target \"1.x\"");
	CHECK(err.detail != NULL && strstr(err.detail, "non-numeric") != NULL);
	CHECK(err.hint != NULL && strstr(err.hint, "'2.1'") != NULL);

	/* one U script missing: nothing is undone, 42704 names the version */
	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addV("3", "three", 3);
	addU("1", "one", 1);
	addU("3", "three", 3);
	addrow("1", "one", "SQL", 1, true);
	addrow("2", "two", "SQL", 2, true);
	addrow("3", "three", "SQL", 3, true);
	CHECK_STR(undo_str(NULL), "U3__three.sql");
	/* with a target the walk stops at the first without an undo script (Flyway's docs) */
	CHECK_STR(undo_str("1"), "U3__three.sql");
	{
		const AppliedRow *stopped = NULL;

		p = build(false);
		migrate_error_clear(&err);
		CHECK(plan_undo(p, S, NS, "1", &undo, &n, &stopped, &err));
		CHECK_INT(n, 1);
		CHECK(stopped != NULL && strcmp(stopped->version, "2") == 0);
	}
	/* without one, the latest must have its script: 42704 names it */
	addrow("2", "two", "SQL", 2, true);
	CHECK_STR(undo_str(NULL), "error 42704: no undo script for version 2 (two)");
	CHECK_STR(undo_str("1"), "");
	p = build(false);
	migrate_error_clear(&err);
	CHECK(!plan_undo(p, S, NS, NULL, &undo, &n, NULL, &err));
	CHECK_STR(err.detail, "Nothing was undone.");
	CHECK_STR(err.hint, "Add U2__<description>.sql beside V2__two.sql.");

	/* a baseline is not undone: 55000 */
	reset();
	addV("3", "three", 3);
	addU("3", "three", 3);
	addrow("2", "<< Flyway Baseline >>", "BASELINE", 0, true);
	addrow("3", "three", "SQL", 3, true);
	CHECK_STR(undo_str(NULL), "U3__three.sql");
	CHECK_STR(undo_str("2"), "U3__three.sql");
	CHECK_STR(undo_str("1"), "U3__three.sql");
	addrow("2", "<< Flyway Baseline >>", "BASELINE", 0, true);
	CHECK_STR(undo_str(NULL), "error 55000: cannot undo version 2: it is a baseline");

	/* undone, failed and repeatable rows are not candidates */
	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addU("1", "one", 1);
	addU("2", "two", 2);
	addR("view", 5, 5);
	addrow("1", "one", "SQL", 1, true);
	addrow("2", "two", "SQL", 2, true);
	addrow("2", "two", "UNDO_SQL", 2, true);
	addrow(NULL, "view", "SQL", 5, true);
	CHECK_STR(undo_str(NULL), "U1__one.sql");
	addrow("2", "two", "SQL", 2, false);
	CHECK_STR(undo_str(NULL), "U1__one.sql");
}

/* A script file's ResolvedScript: its name's parts, its paths, no .conf yet. */
static void
test_resolved_script_new(void)
{
	ScriptName	name;
	char	   *reason = NULL;
	char		relpath[] = "sub/V1.2__Add_users.sql";
	ResolvedScript *s;

	CHECK_INT(script_name_parse(&script_naming_default, "V1.2__Add_users.sql", &name, &reason), NAME_OK);
	s = resolved_script_new(&name, relpath, "/srv/sql/sub/V1.2__Add_users.sql");
	CHECK_INT(s->kind, SCRIPT_VERSIONED);
	CHECK_STR(s->version.text, "1.2");
	CHECK_STR(s->description, "Add users");
	CHECK_STR(s->script, "sub/V1.2__Add_users.sql");
	CHECK_STR(s->path, "/srv/sql/sub/V1.2__Add_users.sql");
	CHECK_INT(s->execute_in_transaction, -1);
	CHECK_INT(s->placeholder_replacement, -1);
	CHECK(s->event == NULL && s->sql == NULL && s->checksum == 0);
	/* the paths are copies: the caller's buffers may go */
	relpath[0] = 'X';
	CHECK_STR(s->script, "sub/V1.2__Add_users.sql");

	CHECK_INT(script_name_parse(&script_naming_default, "afterMigrate__Grants.sql", &name, &reason), NAME_OK);
	s = resolved_script_new(&name, "afterMigrate__Grants.sql", "/srv/sql/afterMigrate__Grants.sql");
	CHECK_INT(s->kind, SCRIPT_CALLBACK);
	CHECK_STR(s->event, "afterMigrate");
	CHECK_STR(s->description, "Grants");
}

/* ignoreMigrationPatterns: parsing, and Flyway's matching by display name */
static void
test_ignore_patterns(void)
{
	MigrationPlan *p;
	char	   *err = NULL;
	RepairAction *acts;
	int			n;

	/* parsing: case-insensitive names, blanks trimmed, errors name the entry */
	reset();
	CHECK(plan_parse_ignore_patterns(" Versioned:MISSING , repeatable:* ", &OPTS, &err));
	CHECK_INT(OPTS.nignore, 2);
	CHECK(OPTS.ignore_set);
	CHECK_INT((int) OPTS.ignore[0].type, PATTERN_VERSIONED);
	CHECK_INT((int) OPTS.ignore[0].state, STATE_MISSING_SUCCESS);
	CHECK(OPTS.ignore[1].any_state);
	CHECK(!plan_parse_ignore_patterns("*:missing,bogus:pending", &OPTS, &err));
	CHECK_STR(err, "ignore pattern \"bogus:pending\" has an unknown type \"bogus\": use *, versioned or repeatable");
	CHECK(!plan_parse_ignore_patterns("*:success", &OPTS, &err));
	CHECK_STR(err, "ignore pattern \"*:success\" has an unknown status \"success\": use *, missing, pending, ignored or future");
	CHECK(!plan_parse_ignore_patterns("missing", &OPTS, &err));
	CHECK_STR(err, "ignore pattern \"missing\" is not of the form type:status");
	CHECK(plan_parse_ignore_patterns(NULL, &OPTS, &err));
	CHECK(!OPTS.ignore_set);	/* the default, "*:future" */
	CHECK(plan_state_ignored(&OPTS, true, STATE_FUTURE_SUCCESS, false));
	CHECK(!plan_state_ignored(&OPTS, true, STATE_FUTURE_FAILED, false));
	CHECK(plan_parse_ignore_patterns("", &OPTS, &err));
	CHECK(OPTS.ignore_set);
	CHECK_INT(OPTS.nignore, 0);

	/* a Missing versioned row and a missing repeatable */
	reset();
	addV("1", "one", 1);
	addV("3", "three", 3);
	addrow("1", "one", "SQL", 1, true);
	addrow("2", "two", "SQL", 2, true);
	addrow("3", "three", "SQL", 3, true);
	addrow(NULL, "gone", "SQL", 9, true);
	p = build(true);
	CHECK_STR(codes_str(p), "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED|APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED");
	plan_parse_ignore_patterns("versioned:missing", &OPTS, &err);
	p = build(true);
	CHECK_STR(codes_str(p), "APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED");
	plan_parse_ignore_patterns("*:missing", &OPTS, &err);
	p = build(true);
	CHECK_INT(p->nerrors, 0);
	/* repair leaves ignored missing rows alone, as Flyway's does */
	acts = plan_repair(p, &n);
	CHECK_INT(count_actions(acts, n, REPAIR_MARK_DELETED), 0);
	plan_parse_ignore_patterns("repeatable:missing", &OPTS, &err);
	p = build(true);
	acts = plan_repair(p, &n);
	CHECK_INT(count_actions(acts, n, REPAIR_MARK_DELETED), 1);
	CHECK(n == 1 && acts[0].row == R[1]);

	/* "missing" does not match "Failed (Missing)" (display names) */
	R[1]->success = false;
	plan_parse_ignore_patterns("*:missing", &OPTS, &err);
	p = build(true);
	CHECK_STR(codes_str(p), "FAILED_VERSIONED_MIGRATION");

	/* a Future row is an error once "*:future" is no longer in the list */
	reset();
	addV("1", "one", 1);
	addrow("1", "one", "SQL", 1, true);
	addrow("2", "two", "SQL", 2, true);
	p = build(true);
	CHECK_INT(p->nerrors, 0);
	plan_parse_ignore_patterns("", &OPTS, &err);
	p = build(true);
	CHECK_STR(codes_str(p), "APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED");
	/* and repair then marks it deleted */
	acts = plan_repair(p, &n);
	CHECK_INT(count_actions(acts, n, REPAIR_MARK_DELETED), 1);
	/* Failed (Future) is a failed migration when future is not ignored */
	R[1]->success = false;
	p = build(true);
	CHECK_STR(codes_str(p), "FAILED_VERSIONED_MIGRATION");
	CHECK(p->has_failed_row);

	/* Ignored (out of order) and Pending: validate and migrate */
	reset();
	addV("1", "one", 1);
	addV("2", "two", 2);
	addV("3", "three", 3);
	addV("4", "four", 4);
	addR("view", 5, 5);
	addrow("1", "one", "SQL", 1, true);
	addrow("3", "three", "SQL", 3, true);
	p = build(true);
	CHECK_STR(codes_str(p), "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED|RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED|RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED");
	plan_parse_ignore_patterns("*:ignored", &OPTS, &err);
	p = build(false);
	CHECK_INT(p->nerrors, 0);
	CHECK_STR(pending_str(p), "V4__four.sql|R__view.sql");	/* ignoring is not applying */
	p = build(true);
	CHECK_STR(codes_str(p), "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED|RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED");
	plan_parse_ignore_patterns("*:ignored,versioned:pending", &OPTS, &err);
	p = build(true);
	CHECK_STR(codes_str(p), "RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED");
	plan_parse_ignore_patterns("*:ignored,repeatable:*,versioned:pending", &OPTS, &err);
	p = build(true);
	CHECK_INT(p->nerrors, 0);
	/* "*:*" ignores every state, mismatches too, as in Flyway */
	reset();
	addV("1", "one", 11);
	addrow("1", "one", "SQL", 1, true);
	p = build(true);
	CHECK_STR(codes_str(p), "CHECKSUM_MISMATCH");
	plan_parse_ignore_patterns("*:*", &OPTS, &err);
	p = build(true);
	CHECK_INT(p->nerrors, 0);

	/* the hints use the wording given */
	{
		static const PlanWording cmd = {"run pg_migrate migrate", "run pg_migrate repair", "run with -ignoreMigrationPatterns=",
		"run with -outOfOrder=true"};

		reset();
		addV("1", "one", 1);
		addV("2", "two", 2);
		addrow("2", "two", "SQL", 2, true);
		OPTS.wording = &cmd;
		p = build(true);
		CHECK_STR(p->errors[0].detail, "To ignore this migration, run with -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, run with -outOfOrder=true.");
		reset();
		addV("1", "one", 1);
		OPTS.wording = &cmd;
		p = build(true);
		CHECK_STR(p->errors[0].detail, "To fix this error, either run pg_migrate migrate, or run with -ignoreMigrationPatterns='*:pending'.");
	}
}

/* cherryPick: only the listed versions and repeatables are pending */
static void
test_cherry_pick(void)
{
	MigrationPlan *p;
	char	   *err = NULL;

	reset();
	addV("1", "one", 1);
	addV("2.1", "two", 2);
	addV("3", "three", 3);
	addR("Create view", 5, 5);
	addR("other", 6, 6);
	CHECK(plan_parse_cherry_pick(" 2_1 , Create_view ", &OPTS, &err));
	CHECK_INT(OPTS.ncherry_pick, 2);
	p = build(false);
	CHECK_STR(entries_str(p), "1:Ignored|2.1:Pending|3:Ignored|Create view:Pending|other:Ignored");
	CHECK_STR(pending_str(p), "V2.1__two.sql|R__Create view.sql");
	/* left out on purpose: not a validation error */
	CHECK_INT(p->nerrors, 0);

	/* after 2.1 is applied, 1 is below it: Ignored without cherryPick (out of order) */
	addrow("2.1", "two", "SQL", 2, true);
	OPTS.ncherry_pick = 0;
	p = build(false);
	CHECK_STR(entries_str(p), "*2.1:Success|1:Ignored|3:Pending|Create view:Pending|other:Pending");
	CHECK_STR(codes_str(p), "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED");
	/* picking 1 does not make it runnable out of order... */
	plan_parse_cherry_pick("1", &OPTS, &err);
	p = build(false);
	CHECK_STR(pending_str(p), "");
	CHECK_STR(codes_str(p), "RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED");
	/* ...outOfOrder does */
	OPTS.out_of_order = true;
	p = build(false);
	CHECK_STR(pending_str(p), "V1__one.sql");
	CHECK_INT(p->nerrors, 0);
	/* a cherryPick of nothing that exists applies nothing */
	plan_parse_cherry_pick("9", &OPTS, &err);
	p = build(false);
	CHECK_STR(pending_str(p), "");
	/* empty = everything */
	plan_parse_cherry_pick("", &OPTS, &err);
	p = build(false);
	CHECK_STR(pending_str(p), "V1__one.sql|V3__three.sql|R__Create view.sql|R__other.sql");
}

static void
test_mismatch_names_file(void)
{
	MigrationPlan *p;

	reset();
	addV("1", "one", 11);
	S[0]->script = pstrdup("sub/V1__one.sql");
	addrow("1", "one", "SQL", 1, true);
	p = build(true);
	CHECK_STR(p->errors[0].message, "Migration checksum mismatch for migration version 1 (sub/V1__one.sql)");
}

int
main(void)
{
	test_state_names();
	test_resolved_script_new();
	test_empty();
	test_fresh_and_pending_order();
	test_applied_success();
	test_out_of_order();
	test_missing_future_failed();
	test_baseline_row();
	test_targets();
	test_baseline_scripts();
	test_repeatables();
	test_checksums_and_descriptions();
	test_type_mismatch_and_unknown_types();
	test_delete_rows();
	test_undo_rows();
	test_marking_groups();
	test_duplicates();
	test_repair();
	test_large();
	test_undo_selection();
	test_ignore_patterns();
	test_cherry_pick();
	test_mismatch_names_file();
	return unit_summary("plan");
}
