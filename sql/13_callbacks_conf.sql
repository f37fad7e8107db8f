-- SQL callbacks and per-script .conf files.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA c13;
SET search_path = c13, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/callbacks';

-- callbacks run where Flyway runs them, in description order, never recorded;
-- V2's .conf runs it without a transaction (CREATE INDEX CONCURRENTLY), and
-- R__js.sql's switches placeholder replacement off
SELECT version, script, state FROM migrate_apply();
SELECT n, event FROM cb_log ORDER BY n;
SELECT tmpl();
SELECT version, type, script, success FROM flyway_schema_history ORDER BY installed_rank;
-- beforeMigrate and afterMigrate run on every apply, as in Flyway
SELECT count(*) FROM migrate_apply();
SELECT event, count(*) FROM cb_log GROUP BY 1 ORDER BY 1;
-- nothing is pending: the dry run shows what every apply still runs, the
-- validate and migrate callbacks, each in its own transaction, under the lock
SELECT seq, script, line, statement FROM migrate_plan();

-- a callback that fails inside a migration's transaction rolls the migration
-- back; the error callbacks run after it, and the error names the callback
CREATE SCHEMA c13_fail;
SET search_path = c13_fail, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/callbacks_fail';
SELECT version, state FROM migrate_apply();
SELECT event FROM cbf_log ORDER BY n;
SELECT to_regclass('c13_fail.cbf_b') IS NULL AS v2_rolled_back;
SELECT version, success FROM flyway_schema_history ORDER BY installed_rank;

-- the same in one transaction: the caller's transaction is what fails
CREATE SCHEMA c13_single;
SET search_path = c13_single, public;
SELECT version FROM migrate_apply(single_transaction => true);
SELECT to_regclass('c13_single.cbf_a') IS NULL AS nothing_remains;

-- bad .conf files: the error names the file and line, nothing runs
CREATE SCHEMA c13_conf;
SET search_path = c13_conf, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/conf_bad';
SELECT count(*) FROM migrate_apply();
SELECT count(*) FROM migrate_info();
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/conf_badbool';
SELECT count(*) FROM migrate_apply();
SELECT to_regclass('c13_conf.flyway_schema_history') IS NULL AS no_history;

-- two callbacks of one event with one description
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/callbacks_dup';
SELECT count(*) FROM migrate_apply();

-- undo has its callbacks too: beforeUndo, beforeEachUndo, afterEachUndo, afterUndo
CREATE SCHEMA c13_undo;
SET search_path = c13_undo, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/undo_callbacks';
SELECT version FROM migrate_apply();
TRUNCATE ucb_log;
SELECT version, type FROM migrate_undo(target => '0');
SELECT event FROM ucb_log ORDER BY n;

RESET search_path;
DROP SCHEMA c13, c13_fail, c13_single, c13_conf, c13_undo CASCADE;
