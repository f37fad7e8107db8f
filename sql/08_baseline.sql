-- migrate_baseline() and baseline_on_migrate.
SET client_min_messages = warning;
\set VERBOSITY default
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/baseline';

-- on an empty database: defaults (version 1, << Flyway Baseline >>)
CREATE SCHEMA b08_a;
SET search_path = b08_a, public;
SELECT * FROM migrate_baseline();
SELECT installed_rank, version, description, type, script, checksum,
       installed_by = current_user AS by_me, execution_time, success
  FROM b08_a.flyway_schema_history ORDER BY 1;
SELECT version, description, state FROM migrate_info();
-- baselined again at the same version: a notice, no row
SET client_min_messages = notice;
\set VERBOSITY terse
SELECT * FROM migrate_baseline();
\set VERBOSITY default
SET client_min_messages = warning;
SET client_min_messages = notice;
\set VERBOSITY terse
SELECT * FROM migrate_baseline('1');
\set VERBOSITY default
SET client_min_messages = warning;
-- at another version: error
SELECT * FROM migrate_baseline('2');
SELECT version, state FROM migrate_apply();
SELECT count(*) FROM b08_a.flyway_schema_history;

-- with version and description arguments, and the settings
CREATE SCHEMA b08_b;
SET search_path = b08_b, public;
SELECT * FROM migrate_baseline(version => '2', description => 'Before pg_migrate');
SELECT version, description, type, state FROM migrate_info();
CREATE SCHEMA b08_c;
SET search_path = b08_c, public;
SET pg_migrate.baseline_version = '1.5';
SET pg_migrate.baseline_description = 'From the settings';
SELECT * FROM migrate_baseline();
RESET pg_migrate.baseline_version;
RESET pg_migrate.baseline_description;
-- bad versions
SELECT * FROM migrate_baseline('abc');
SET pg_migrate.baseline_version = '1.x';

-- with migrations already applied: error
CREATE SCHEMA b08_d;
SET search_path = b08_d, public;
SELECT version, state FROM migrate_apply(target => '1');
SELECT * FROM migrate_baseline('5');
SELECT * FROM migrate_baseline();

-- a non-empty schema without history: error unless baseline_on_migrate
CREATE SCHEMA b08_e;
SET search_path = b08_e, public;
CREATE TABLE b08_e.legacy (id int);
SELECT version, state FROM migrate_apply();
SELECT count(*) FROM pg_class WHERE relnamespace = 'b08_e'::regnamespace AND relname = 'flyway_schema_history';
SET pg_migrate.baseline_on_migrate = on;
SET pg_migrate.baseline_version = '2';
SET client_min_messages = notice;
\set VERBOSITY terse
SELECT version, description, state FROM migrate_apply();
\set VERBOSITY default
SET client_min_messages = warning;
SELECT installed_rank, version, description, type, success
  FROM b08_e.flyway_schema_history ORDER BY 1;
SELECT version, description, state FROM migrate_info();
-- on an empty schema baseline_on_migrate does not baseline
CREATE SCHEMA b08_f;
SET search_path = b08_f, public;
SELECT version, description, state FROM migrate_apply();
RESET pg_migrate.baseline_on_migrate;
RESET pg_migrate.baseline_version;

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA b08_a CASCADE;
DROP SCHEMA b08_b CASCADE;
DROP SCHEMA b08_c CASCADE;
DROP SCHEMA b08_d CASCADE;
DROP SCHEMA b08_e CASCADE;
DROP SCHEMA b08_f CASCADE;
