-- Naming and versions: V/R files, sub-folders, "_" == ".", numeric ordering,
-- leading zeros, ignored files, bad names, duplicates.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA n01;
SET search_path = n01, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/naming';

-- README.md, V57__notes.md and V58__backup.sql.bak are not migrations
SELECT category, version, description, type, script, state FROM migrate_info();
SELECT version, description, type, script, state FROM migrate_apply();
-- versions applied in numeric order (1.10 after 1.9), repeatables last by description
SELECT n, v FROM n01_log ORDER BY n;
SELECT installed_rank, version, description, type, script, success
  FROM n01.flyway_schema_history ORDER BY installed_rank;
SELECT * FROM n01_view;
SELECT category, version, description, state FROM migrate_info();
-- nothing left to do
SELECT count(*) FROM migrate_apply();

-- badly named .sql files: skipped with a warning (validate_naming off)...
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/badnames';
CREATE SCHEMA n01_bad;
SET search_path = n01_bad, public;
SELECT version, description, script, state FROM migrate_info();
SELECT version, description, script, state FROM migrate_apply();
SELECT installed_rank, version, script FROM n01_bad.flyway_schema_history;
-- ... and an error with validate_naming on
SET pg_migrate.validate_naming = on;
SELECT version, description, script, state FROM migrate_info();
SELECT count(*) FROM migrate_apply();
SELECT migrate_validate();
RESET pg_migrate.validate_naming;

-- duplicate versions: an error naming both files, nothing applied
CREATE SCHEMA n01_dup;
SET search_path = n01_dup, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/duplicates';
SELECT count(*) FROM migrate_apply();
SELECT count(*) FROM migrate_info();
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/dup_zero';
SELECT count(*) FROM migrate_apply();
-- duplicate repeatable descriptions ("a_b" and "a b" both mean "a b")
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/dup_repeatable';
SELECT count(*) FROM migrate_apply();
-- two locations holding the same version
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/naming,filesystem:/tmp/pg_migrate_regress/badnames';
SELECT count(*) FROM migrate_apply();
-- nothing of any of them was applied
SELECT count(*) FROM pg_class WHERE relnamespace = 'n01_dup'::regnamespace;

-- bad locations
SET pg_migrate.locations = 'classpath:db/migration';
SELECT count(*) FROM migrate_info();
SET pg_migrate.locations = 'filesystem:relative/dir';
SELECT count(*) FROM migrate_info();
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/does_not_exist';
SELECT count(*) FROM migrate_info();
SET pg_migrate.locations = '';
SELECT count(*) FROM migrate_info();

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA n01 CASCADE;
DROP SCHEMA n01_bad CASCADE;
DROP SCHEMA n01_dup CASCADE;
