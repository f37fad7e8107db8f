-- migrate_validate() and migrate_repair().
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA v07;
SET search_path = v07, public;
\! rm -rf /tmp/pg_migrate_regress/v07 && cp -R /tmp/pg_migrate_regress/validate /tmp/pg_migrate_regress/v07 && chmod -R a+rwX /tmp/pg_migrate_regress/v07
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/v07';

-- nothing applied yet: pending migrations fail validation (as flyway validate)
SELECT migrate_validate();
-- repair without a history table: nothing to do
SET client_min_messages = notice;
\set VERBOSITY terse
SELECT * FROM migrate_repair();
\set VERBOSITY default
SET client_min_messages = warning;
SELECT version, state FROM migrate_apply();
-- returns the number of migrations validated
SELECT migrate_validate();

-- a changed checksum: error, apply refuses and applies nothing
\! printf 'CREATE TABLE v07_t (id int, changed int);\n' > /tmp/pg_migrate_regress/v07/V1__Create.sql
\! printf 'INSERT INTO v07_t VALUES (4);\n' > /tmp/pg_migrate_regress/v07/V4__Four.sql && chmod a+r /tmp/pg_migrate_regress/v07/*
SELECT migrate_validate();
SELECT version, state FROM migrate_apply();
SELECT * FROM v07_t ORDER BY id;
-- repair realigns the checksum
SELECT action, installed_rank, version, description, script FROM migrate_repair();
SELECT installed_rank, version, checksum FROM v07.flyway_schema_history WHERE version = '1';
SELECT version, state FROM migrate_apply();
SELECT migrate_validate();

-- a missing migration
\! mv /tmp/pg_migrate_regress/v07/V2__Two.sql /tmp/pg_migrate_regress/v07/V2__Two.sql.away
SELECT migrate_validate();
SELECT version, state FROM migrate_apply();
-- repair marks it deleted
SELECT action, installed_rank, version, description, script FROM migrate_repair();
SELECT installed_rank, version, description, type, script, checksum IS NOT NULL AS has_checksum,
       installed_by = current_user AS by_me,
       (type <> 'DELETE' AND execution_time >= 0) OR execution_time = 0 AS time_ok, success
  FROM v07.flyway_schema_history ORDER BY installed_rank;
SELECT migrate_validate();
-- repairing again changes nothing
SELECT * FROM migrate_repair();

-- a failed row (non-transactional migration on a missing table)
\! printf 'CREATE INDEX CONCURRENTLY v07_idx ON v07_missing (id);\n' > /tmp/pg_migrate_regress/v07/V5__Fails.sql && chmod a+r /tmp/pg_migrate_regress/v07/V5__Fails.sql
SELECT version, state FROM migrate_apply();
SELECT installed_rank, version, success FROM v07.flyway_schema_history WHERE version = '5';
SELECT migrate_validate();
SELECT version, state FROM migrate_apply();
-- repair removes the failed row; fixing the script lets apply carry on
SELECT action, installed_rank, version, description, script FROM migrate_repair();
SELECT count(*) FROM v07.flyway_schema_history WHERE version = '5';
\! printf 'CREATE INDEX CONCURRENTLY v07_idx ON v07_t (id);\n' > /tmp/pg_migrate_regress/v07/V5__Fails.sql
SELECT version, state FROM migrate_apply();
SELECT migrate_validate();

-- several changes in one repair: one row each
\! printf 'INSERT INTO v07_t VALUES (40);\n' > /tmp/pg_migrate_regress/v07/V4__Four.sql
\! mv /tmp/pg_migrate_regress/v07/V3__Three.sql /tmp/pg_migrate_regress/v07/V3__Three.sql.away
SELECT action, installed_rank, version, description, script FROM migrate_repair();
SELECT migrate_validate();

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA v07 CASCADE;
