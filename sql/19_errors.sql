-- Errors never hide the real one: a version the history cannot hold is
-- refused before anything runs; a failure whose recording fails is still
-- the error shown; a script's own COMMIT is told in the hint; an invalid
-- index kept by IF NOT EXISTS fails the migration; secret placeholder
-- values show as *** in every message.
SET client_min_messages = warning;
\set VERBOSITY default

-- a version longer than the history's version column (50 characters):
-- refused while planning, naming the file, before V1 or the CREATE INDEX
-- CONCURRENTLY runs; by every command that plans
CREATE SCHEMA e19_long;
SET search_path = e19_long, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/errors_long_version';
SELECT version, state FROM migrate_apply();
SELECT to_regclass('e19_first') IS NULL AS v1_not_run;
SELECT to_regclass('e19_long.flyway_schema_history') IS NULL AS no_history;
SELECT count(*) FROM migrate_info();
SELECT count(*) FROM migrate_plan();
SELECT migrate_validate();
SELECT version, state FROM migrate_apply(single_transaction => true);
-- baseline versions: the argument and the setting
SELECT * FROM migrate_baseline('1000000000000000000000000000000000000000000000000002');
SET pg_migrate.baseline_version = '1000000000000000000000000000000000000000000000000002';
SET pg_migrate.baseline_version = '10000000000000000000000000000000000000000000000002';
RESET pg_migrate.baseline_version;
-- installed_by: 100 characters fit, 101 do not
SET pg_migrate.installed_by = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
SET pg_migrate.installed_by = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
RESET pg_migrate.installed_by;

-- a non-transactional migration fails, and recording its failure fails
-- too (it moved the history table away): the division by zero is the
-- error, the recording failure a warning before it
CREATE SCHEMA e19_record;
SET search_path = e19_record, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/errors_record_fail';
SELECT version, state FROM migrate_apply();
SELECT count(*) AS rows_in_moved_history FROM e19_record.e19_history_moved;
-- single_transaction: a history INSERT that fails names the migration
CREATE SCHEMA e19_record_single;
SET search_path = e19_record_single, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/errors_record_fail_single';
SELECT version, state FROM migrate_apply(single_transaction => true);
SELECT to_regclass('e19_record_single.e19_history_moved') IS NULL AS rolled_back;

-- a script's own COMMIT: what it committed stays, the hint says so, and the
-- migration is recorded as failed so it is not run again unnoticed
CREATE SCHEMA e19_commit;
SET search_path = e19_commit, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/errors_own_commit';
SELECT version, state FROM migrate_apply();
SELECT to_regclass('e19_committed') IS NOT NULL AS committed_part_stays,
       to_regclass('e19_rolled_back') IS NULL AS rest_rolled_back;
SELECT installed_rank, version, success FROM e19_commit.flyway_schema_history ORDER BY 1;
SELECT version, state FROM migrate_info();
-- the same for an undo script
CREATE SCHEMA e19_commit_undo;
SET search_path = e19_commit_undo, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/errors_own_commit_undo';
SELECT version, state FROM migrate_apply();
SELECT version, state FROM migrate_undo();
SELECT id FROM e19_u;
SELECT installed_rank, version, type, success FROM e19_commit_undo.flyway_schema_history ORDER BY 1;

-- an invalid index left by a failed CREATE INDEX CONCURRENTLY, then kept by
-- a migration's CREATE INDEX IF NOT EXISTS: the migration fails
CREATE SCHEMA e19_index;
CREATE SCHEMA e19_index_data;
SET search_path = e19_index, e19_index_data, public;
CREATE TABLE e19_index_data.e19_dup (v int);
INSERT INTO e19_dup VALUES (1), (1);
CREATE UNIQUE INDEX CONCURRENTLY e19_dup_idx ON e19_dup (v);
SELECT indisvalid FROM pg_index WHERE indexrelid = 'e19_dup_idx'::regclass;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/errors_invalid_index';
SELECT version, state FROM migrate_apply();
SELECT version, state FROM migrate_apply(single_transaction => true);
SELECT count(*) FROM e19_index.flyway_schema_history WHERE version IS NOT NULL;
-- dropped, the migration builds it
DROP INDEX CONCURRENTLY e19_index_data.e19_dup_idx;
SELECT version, state FROM migrate_apply();
SELECT indisvalid FROM pg_index WHERE indexrelid = 'e19_dup_idx'::regclass;
-- an index ON ONLY a partitioned table is invalid by design: accepted
CREATE SCHEMA e19_parted;
SET search_path = e19_parted, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/errors_parted';
SELECT version, state FROM migrate_apply();

-- secret placeholders: their values show as *** in warnings the script
-- raises, in errors and the statement they quote, in migrate_plan()
CREATE SCHEMA e19_secret;
SET search_path = e19_secret, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/errors_secret';
SELECT version, state FROM migrate_apply(placeholders => '{"db_password": "s3cret-Pa55"}');
SELECT version, state FROM migrate_apply(placeholders => '{"db_password": "s3cret-Pa55"}',
                                         single_transaction => true);
SELECT line, statement FROM migrate_plan(placeholders => '{"db_password": "s3cret-Pa55", "owner": "s3cret-Pa55"}')
 WHERE script IS NOT NULL AND line > 0 ORDER BY seq;
-- names are case-insensitive, and so is the rule
SELECT line, statement FROM migrate_plan(placeholders => '{"DB_Password": "0"}') WHERE line = 3;
-- a value that breaks the script's syntax: the piece the error quotes
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/errors_secret_syntax';
SELECT version, state FROM migrate_apply(placeholders => '{"db_password": "ab''cd ef"}');
-- a value in a script configuration file
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/errors_secret_conf';
SELECT count(*) FROM migrate_info(placeholders => '{"api_token": "tok-123"}');
-- a bad pg_migrate.placeholders is not quoted back
SET pg_migrate.placeholders = '{"db_password": "s3cret-Pa55",}';

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA e19_long CASCADE;
DROP SCHEMA e19_record CASCADE;
DROP SCHEMA e19_record_single CASCADE;
DROP SCHEMA e19_commit CASCADE;
DROP SCHEMA e19_commit_undo CASCADE;
DROP SCHEMA e19_index CASCADE;
DROP SCHEMA e19_index_data CASCADE;
DROP SCHEMA e19_parted CASCADE;
DROP SCHEMA e19_secret CASCADE;
