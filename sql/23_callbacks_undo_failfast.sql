-- Flyway parity: every callback event that applies, undo in Flyway Teams'
-- order, and fail fast (nothing applied when a later script cannot run).
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA cb23;
SET search_path = cb23, public;

-- the statement callbacks run around each statement, in the migration's
-- transaction; afterVersioned and beforeRepeatables where the repeatables
-- start; afterMigrateApplied because something ran
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/callbacks_events';
SELECT version, script, state FROM migrate_apply();
SELECT id, event FROM cb23_log ORDER BY id;
-- nothing pending: beforeMigrate (which logs nothing) and afterMigrate only
TRUNCATE cb23_log;
SELECT count(*) FROM migrate_apply();
SELECT event FROM cb23_log ORDER BY id;
-- info runs beforeInfo and afterInfo around it (they only SELECT here)
SELECT version, state FROM migrate_info();
-- the dry run shows the statement callbacks where apply runs them
DROP SCHEMA cb23 CASCADE;
CREATE SCHEMA cb23;
SELECT seq, script, line FROM migrate_plan() WHERE script NOT LIKE 'V%' AND script NOT LIKE 'R%' ORDER BY seq LIMIT 8;

-- a callback of an event that never happens here is an error naming it
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/callbacks_never';
SELECT * FROM migrate_apply();
SELECT * FROM migrate_info();
SELECT to_regclass('cb23.cb23_never') IS NULL AS nothing_ran;

-- fail fast: an undefined placeholder in the fifth script stops the run
-- before the first runs; the dry run refuses the same
CREATE SCHEMA ff23;
SET search_path = ff23, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/failfast_placeholder';
SELECT * FROM migrate_apply();
SELECT to_regclass('ff23.ff23_t1') IS NULL AS v1_not_run;
SELECT count(*) AS history_rows FROM flyway_schema_history WHERE version IS NOT NULL;
SELECT count(*) FROM migrate_plan();

-- single_transaction with a script that cannot run in one: refused first
CREATE SCHEMA ffg23;
SET search_path = ffg23, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/failfast_group';
SELECT * FROM migrate_apply(single_transaction => true);
SELECT to_regclass('ffg23.ffg23_t1') IS NULL AS v1_not_run;

-- undo, most recently applied first: V2 applied out of order after V3
CREATE SCHEMA uo23;
SET search_path = uo23, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/undo_ooo';
SET pg_migrate.out_of_order = on;
\! mv /tmp/pg_migrate_regress/undo_ooo/V2__two.sql /tmp/pg_migrate_regress/V2__two.sql.away
SELECT version, state FROM migrate_apply();
\! mv /tmp/pg_migrate_regress/V2__two.sql.away /tmp/pg_migrate_regress/undo_ooo/V2__two.sql
SELECT version, state FROM migrate_apply();
-- each applied migration's undo script is Available in info
SELECT category, version, type, script, state FROM migrate_info();
-- without a target: the latest applied, V2 (not V3, the highest version)
SELECT version, script, state FROM migrate_undo();
-- down to version 2: V3, then V1 is below the target and stays
SELECT version, script, state FROM migrate_undo(target => '2');
SELECT to_regclass('uo23.uo23_1') IS NOT NULL AS v1_kept, to_regclass('uo23.uo23_3') IS NULL AS v3_gone;
-- the walk stops at the first without an undo script, with a notice
SELECT version, state FROM migrate_apply();
\! mv /tmp/pg_migrate_regress/undo_ooo/U2__two.sql /tmp/pg_migrate_regress/U2__two.sql.away
SET client_min_messages = notice;
\set VERBOSITY terse
SELECT version, script, state FROM migrate_undo(target => '1');
\set VERBOSITY default
SET client_min_messages = warning;
\! mv /tmp/pg_migrate_regress/U2__two.sql.away /tmp/pg_migrate_regress/undo_ooo/U2__two.sql
SELECT installed_rank, version, type, script FROM flyway_schema_history ORDER BY 1;

RESET search_path;
RESET pg_migrate.locations;
RESET pg_migrate.out_of_order;
DROP SCHEMA cb23, ff23, ffg23, uo23 CASCADE;
