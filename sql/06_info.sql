-- migrate_info(): every state reachable from SQL.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA i06;
SET search_path = i06, public;
\! rm -rf /tmp/pg_migrate_regress/i06 && cp -R /tmp/pg_migrate_regress/info /tmp/pg_migrate_regress/i06 && chmod -R a+rwX /tmp/pg_migrate_regress/i06
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/i06';

-- no history table yet: Pending; Above Target past a target
SELECT category, version, description, type, script, checksum, installed_on, installed_by, execution_time, state
  FROM migrate_info();
SELECT version, state FROM migrate_info(target => '1');
SELECT version, state FROM migrate_apply(target => '1');
SELECT version, installed_on IS NOT NULL AS has_installed_on, execution_time >= 0 AS timed, state
  FROM migrate_info(target => '1');
SELECT version, state FROM migrate_apply();
SELECT category, version, description, state FROM migrate_info();

-- a changed repeatable: its last run is Outdated and it is Pending again;
-- after the re-run the old row is Superseded
\! printf 'CREATE OR REPLACE VIEW i06_v AS SELECT 2 AS a;\n' > /tmp/pg_migrate_regress/i06/R__View.sql
SELECT category, version, description, state FROM migrate_info();
SELECT version, description, state FROM migrate_apply();
SELECT category, version, description, state FROM migrate_info();

-- a version lower than the highest applied one: Ignored; applied out of
-- order: Out of Order
\! cp /tmp/pg_migrate_regress/info_extra/V1.5__Late.sql /tmp/pg_migrate_regress/i06/ && chmod a+r /tmp/pg_migrate_regress/i06/V1.5__Late.sql
SELECT version, description, state FROM migrate_info() WHERE version IS NOT NULL;
SELECT version, description, state FROM migrate_info(out_of_order => true) WHERE version IS NOT NULL;
SELECT version, description, state FROM migrate_apply(out_of_order => true);
SELECT version, description, state FROM migrate_info() WHERE version IS NOT NULL;

-- a script removed after it was applied: Missing below the highest
-- resolved version, Future above it
\! mv /tmp/pg_migrate_regress/i06/V2__Two.sql /tmp/pg_migrate_regress/i06/V2__Two.sql.away
SELECT version, description, state FROM migrate_info() WHERE version IS NOT NULL;
\! mv /tmp/pg_migrate_regress/i06/V2__Two.sql.away /tmp/pg_migrate_regress/i06/V2__Two.sql
\! mv /tmp/pg_migrate_regress/i06/V3__Three.sql /tmp/pg_migrate_regress/i06/V3__Three.sql.away
SELECT version, description, state FROM migrate_info() WHERE version IS NOT NULL;
\! mv /tmp/pg_migrate_regress/i06/V3__Three.sql.away /tmp/pg_migrate_regress/i06/V3__Three.sql

-- a non-transactional migration that fails leaves a failed row: Failed
\! cp /tmp/pg_migrate_regress/info_extra/V4__Fail_concurrently.sql /tmp/pg_migrate_regress/i06/ && chmod a+r /tmp/pg_migrate_regress/i06/V4__Fail_concurrently.sql
SELECT version, description, state FROM migrate_apply();
SELECT version, description, type, state FROM migrate_info() WHERE version IS NOT NULL;
SELECT installed_rank, version, success FROM i06.flyway_schema_history WHERE version = '4';

-- repair, then a removed script marked deleted: Deleted
\! rm /tmp/pg_migrate_regress/i06/V4__Fail_concurrently.sql /tmp/pg_migrate_regress/i06/V2__Two.sql
SELECT action, version, description, script FROM migrate_repair();
SELECT category, version, description, type, state FROM migrate_info();
SELECT installed_rank, version, type, success FROM i06.flyway_schema_history ORDER BY 1;

-- Baseline, Below Baseline, Ignored (Baseline)
CREATE SCHEMA i06_b;
SET search_path = i06_b, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/info_baseline';
SELECT * FROM migrate_baseline('2', 'Legacy');
SELECT category, version, description, type, script, state FROM migrate_info();
SELECT version, description, state FROM migrate_apply();
SELECT category, version, description, type, state FROM migrate_info();

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA i06 CASCADE;
DROP SCHEMA i06_b CASCADE;

-- This session applied and reported, but fetched nothing: libcurl was never
-- loaded into it (curl_api.c opens it on the first fetch only).
SELECT count(*) AS libcurl_mappings
  FROM regexp_split_to_table(pg_read_file('/proc/self/maps'), E'\n') AS line
 WHERE line LIKE '%libcurl%';
