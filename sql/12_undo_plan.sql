-- migrate_undo() and migrate_plan(): revert and dry run.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA u12;
SET search_path = u12, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/undo';
SET pg_migrate.placeholders = '{"note": "hello"}';

-- nothing applied: nothing to undo, and the plan of undo is empty
SET client_min_messages = notice;
SELECT * FROM migrate_undo();
SET client_min_messages = warning;
SELECT count(*) FROM migrate_plan(undo => true);

-- the dry run shows what apply would run, and changes nothing
SELECT seq, script, line, statement FROM migrate_plan();
SELECT to_regclass('u12.flyway_schema_history') IS NULL AS no_history, to_regclass('u12.u1') IS NULL AS no_table;

SELECT version, state FROM migrate_apply();
SELECT count(*) FROM migrate_plan();

-- undo the newest version (non-transactional: DROP INDEX CONCURRENTLY)
SELECT version, description, type, script, state FROM migrate_undo();
SELECT to_regclass('u12.u2_idx') IS NULL AS index_gone;
-- a plan of undo back to version 0
SELECT seq, script, line, statement FROM migrate_plan(target => '0', undo => true);
-- undo down to version 2 (the target is the lowest version undone, as in Flyway Teams)
SELECT version, description, type, script, state FROM migrate_undo(target => '2');
SELECT to_regclass('u12.u2') IS NULL AS u2_gone, to_regclass('u12.u1') IS NOT NULL AS u1_kept;
SELECT category, version, description, type, state FROM migrate_info();
-- the undone versions are pending again
SELECT version, state FROM migrate_apply();
SELECT category, version, type, state FROM migrate_info();
SELECT installed_rank, version, description, type, script, success FROM flyway_schema_history ORDER BY 1;

-- bad inputs
SELECT * FROM migrate_undo(target => 'x');
SELECT * FROM migrate_undo(placeholders => '[1]');
BEGIN;
SELECT * FROM migrate_undo();
ROLLBACK;

-- an undo script that fails half-way: nothing of it remains, the history is unchanged
CREATE SCHEMA u12_fail;
SET search_path = u12_fail, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/undo_fail';
SELECT version, state FROM migrate_apply();
SELECT * FROM migrate_undo();
SELECT * FROM uf1;
SELECT installed_rank, version, type, success FROM flyway_schema_history ORDER BY 1;

-- the latest applied version without an undo script: named, nothing undone;
-- with a target, the walk stops there (a notice says so)
SET search_path = u12, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/undo';
\! rm /tmp/pg_migrate_regress/undo/U3__idx.sql
SELECT * FROM migrate_undo();
SET client_min_messages = notice;
SELECT * FROM migrate_undo(target => '1');
SET client_min_messages = warning;
SELECT count(*) AS undo_rows FROM flyway_schema_history WHERE type = 'UNDO_SQL';

RESET search_path;
RESET pg_migrate.placeholders;
DROP SCHEMA u12, u12_fail CASCADE;
