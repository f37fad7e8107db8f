-- Flyway's escape hatches: ignore_migration_patterns, validate_on_migrate,
-- skip_executing_migrations, cherry_pick, fail_on_missing_locations; and
-- messages that name pg_migrate's settings, the file, the target.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA e22;
SET search_path = e22, public;
\! rm -rf /tmp/pg_migrate_regress/e22 && cp -R /tmp/pg_migrate_regress/escape /tmp/pg_migrate_regress/e22 && chmod -R a+rwX /tmp/pg_migrate_regress/e22
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/e22';

-- the defaults are Flyway's (the library defines them once loaded)
LOAD 'pg_migrate';
SHOW pg_migrate.ignore_migration_patterns;
SHOW pg_migrate.validate_on_migrate;
SHOW pg_migrate.skip_executing_migrations;
SHOW pg_migrate.cherry_pick;
SHOW pg_migrate.fail_on_missing_locations;

-- a bad pattern is refused when set, naming it
SET pg_migrate.ignore_migration_patterns = '*:missing,*:bogus';
SET pg_migrate.ignore_migration_patterns = 'table:missing';
SET pg_migrate.ignore_migration_patterns = 'missing';
SHOW pg_migrate.ignore_migration_patterns;

-- pending migrations fail validate; the hint names pg_migrate's setting
SELECT migrate_validate();

-- cherry_pick: only version 1; the others are Ignored, and that is no error
SET pg_migrate.cherry_pick = '1';
SELECT version, description, state FROM migrate_apply();
SELECT version, description, state FROM migrate_info();
-- a version with '_' for '.', and a repeatable by its description
SET pg_migrate.cherry_pick = '2, Count_view';
SELECT version, description, state FROM migrate_apply();
RESET pg_migrate.cherry_pick;
SELECT version, description, state FROM migrate_apply();
SELECT id FROM e22_t ORDER BY id;

-- skip_executing_migrations: V4 recorded (success true, its checksum) and
-- its callbacks run, but not its statements
\! printf 'INSERT INTO e22_t VALUES (4);\n' > /tmp/pg_migrate_regress/e22/V4__Four.sql && chmod a+r /tmp/pg_migrate_regress/e22/V4__Four.sql
SELECT count(*) AS callbacks_before FROM e22_cb;
SET pg_migrate.skip_executing_migrations = on;
SELECT version, description, state FROM migrate_apply();
RESET pg_migrate.skip_executing_migrations;
SELECT id FROM e22_t ORDER BY id;
SELECT count(*) AS callbacks_after FROM e22_cb;
SELECT version, description, type, script, checksum IS NOT NULL AS has_checksum, success
  FROM e22.flyway_schema_history WHERE version = '4';
SELECT version, state FROM migrate_info() WHERE version = '4';

-- ignore_migration_patterns: a Missing V2 and a Future V4
\! mv /tmp/pg_migrate_regress/e22/V2__Two.sql /tmp/pg_migrate_regress/e22/V2__Two.sql.away
\! mv /tmp/pg_migrate_regress/e22/V4__Four.sql /tmp/pg_migrate_regress/e22/V4__Four.sql.away
SELECT version, state FROM migrate_info() WHERE version IN ('2', '4') ORDER BY version;
SELECT migrate_validate();
-- the list replaces the default, so "*:future" must be kept to ignore V4
SET pg_migrate.ignore_migration_patterns = '*:missing';
SELECT migrate_validate();
SET pg_migrate.ignore_migration_patterns = 'versioned:missing, *:FUTURE';
SELECT migrate_validate();
-- repair leaves ignored missing migrations alone
SELECT action, version FROM migrate_repair();
-- empty: nothing ignored, not even future ones
SET pg_migrate.ignore_migration_patterns = '';
SELECT migrate_validate();
RESET pg_migrate.ignore_migration_patterns;

-- an out-of-order version: the hint names pg_migrate's settings
\! printf 'INSERT INTO e22_t VALUES (25);\n' > /tmp/pg_migrate_regress/e22/V2_5__Late.sql && chmod a+r /tmp/pg_migrate_regress/e22/V2_5__Late.sql
\! mv /tmp/pg_migrate_regress/e22/V2__Two.sql.away /tmp/pg_migrate_regress/e22/V2__Two.sql
\! mv /tmp/pg_migrate_regress/e22/V4__Four.sql.away /tmp/pg_migrate_regress/e22/V4__Four.sql
SELECT version, state FROM migrate_apply();
SET pg_migrate.ignore_migration_patterns = '*:future,*:ignored';
SELECT version, state FROM migrate_apply();
RESET pg_migrate.ignore_migration_patterns;
\! rm /tmp/pg_migrate_regress/e22/V2_5__Late.sql

-- a changed script: the mismatch names the file as well as the version
\! printf 'CREATE TABLE e22_t (id int, changed int);\n' > /tmp/pg_migrate_regress/e22/V1__One.sql
\! printf 'INSERT INTO e22_t VALUES (5);\n' > /tmp/pg_migrate_regress/e22/V5__Five.sql && chmod a+r /tmp/pg_migrate_regress/e22/*.sql
SELECT version, state FROM migrate_apply();
-- validate_on_migrate off: migrate applies V5 without validating
SET pg_migrate.validate_on_migrate = off;
SELECT version, state FROM migrate_apply();
SELECT id FROM e22_t ORDER BY id;
RESET pg_migrate.validate_on_migrate;

-- a target no script has: named
SELECT version, state FROM migrate_apply(target => '9');
-- fail_on_missing_target off (Flyway's failOnMissingTarget): read as '9?', no error
-- (V1 was changed above: validation is off, as for the apply before)
SET pg_migrate.validate_on_migrate = off;
SET pg_migrate.fail_on_missing_target = off;
SELECT version, state FROM migrate_apply(target => '9');
RESET pg_migrate.fail_on_missing_target;
RESET pg_migrate.validate_on_migrate;

-- a folder location that does not exist: a warning, as Flyway's default
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/e22,filesystem:/tmp/pg_migrate_regress/e22_nowhere';
SET pg_migrate.validate_on_migrate = off;
SELECT version, state FROM migrate_apply();
-- fail_on_missing_locations: an error
SET pg_migrate.fail_on_missing_locations = on;
SELECT version, state FROM migrate_apply();
RESET pg_migrate.fail_on_missing_locations;
RESET pg_migrate.validate_on_migrate;

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA e22 CASCADE;
