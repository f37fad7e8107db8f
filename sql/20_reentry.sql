-- No re-entry: a migration or callback (or a function, DO block or trigger
-- they reach) that calls any pg_migrate function is refused at once, in the
-- apply worker and in the caller's transaction; the session then works as
-- before.  A migration that releases the run's advisory lock is refused.
SET client_min_messages = warning;
\set VERBOSITY default

-- every function, called from a DO block in a migration (errors caught),
-- then directly: in the apply worker
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/reentry_calls';
CREATE SCHEMA r20_worker;
SET search_path = r20_worker, public;
SELECT version, state FROM migrate_apply();
SELECT fn, outcome FROM r20_calls ORDER BY n;
-- the session is not left refusing
SELECT version, state FROM migrate_info();
SELECT installed_rank, version, success FROM r20_worker.flyway_schema_history ORDER BY 1;

-- the same in the caller's transaction
CREATE SCHEMA r20_single;
SET search_path = r20_single, public;
SELECT version, state FROM migrate_apply(target => '1', single_transaction => true);
SELECT fn, outcome FROM r20_calls ORDER BY n;
SELECT version, state FROM migrate_apply(single_transaction => true);
SELECT version, state FROM migrate_info();
-- a caller that catches the refusal: its session works on
DO $$
BEGIN
  PERFORM * FROM migrate_apply(single_transaction => true);
EXCEPTION WHEN object_not_in_prerequisite_state THEN
  RAISE WARNING 'caught: %', SQLERRM;
END
$$;
SELECT count(*) FROM migrate_plan();

-- migrate_apply() from a script that runs outside a transaction: it used to
-- wait forever for the lock its own worker holds
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/reentry_nontx';
CREATE SCHEMA r20_nontx;
SET search_path = r20_nontx, public;
SELECT version, state FROM migrate_apply();
SELECT version, state FROM migrate_info();

-- through a function the first migration created
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/reentry_indirect';
CREATE SCHEMA r20_indirect;
SET search_path = r20_indirect, public;
SELECT version, state FROM migrate_apply();
SELECT version, state FROM migrate_apply(single_transaction => true);
SELECT to_regclass('r20_indirect') IS NULL AS v2_left_nothing;
-- called by the session itself, the function works
SELECT r20_pending();

-- from a callback: in migrate_validate() (caller's transaction) and in the
-- apply worker
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/reentry_callback';
CREATE SCHEMA r20_callback;
SET search_path = r20_callback, public;
SELECT migrate_validate();
SELECT version, state FROM migrate_apply();
SELECT to_regclass('r20_cb') IS NULL AS nothing_applied;

-- a migration that releases the worker's session-level lock is refused and
-- rolled back; the run stops there
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/reentry_unlock';
CREATE SCHEMA r20_unlock;
SET search_path = r20_unlock, public;
SELECT version, state FROM migrate_apply();
SELECT v FROM r20_lock ORDER BY v;
SELECT version, state FROM migrate_info();
-- in the caller's transaction the lock is transaction-level, which
-- pg_advisory_unlock_all() does not release: it is still held at the end
CREATE SCHEMA r20_unlock_single;
SET search_path = r20_unlock_single, public;
BEGIN;
SELECT version, state FROM migrate_apply(single_transaction => true);
SELECT count(*) AS advisory_locks_held FROM pg_locks
 WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted;
COMMIT;
SELECT v FROM r20_lock ORDER BY v;

RESET search_path;
RESET pg_migrate.locations;
DROP SCHEMA r20_worker, r20_single, r20_nontx, r20_indirect, r20_callback, r20_unlock,
  r20_unlock_single CASCADE;
