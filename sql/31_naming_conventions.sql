-- Flyway's file-name conventions as settings: sql_migration_prefix,
-- sql_migration_separator, sql_migration_suffixes and the repeatable, undo
-- and baseline prefixes.  Scripts named by them are applied (history and
-- checksums as with Flyway's defaults), their .conf files and callbacks
-- found; bad settings are refused, alone when set, together when a run
-- starts, before anything changes.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA n31;
SET search_path = n31, public;
CREATE SCHEMA n31_log;
CREATE TABLE n31_log.cb (event text);
\! rm -rf /tmp/pg_migrate_regress/n31 && mkdir -p /tmp/pg_migrate_regress/n31/sub
\! printf 'CREATE TABLE n31_t (id int, note text);\n' > /tmp/pg_migrate_regress/n31/Mig1-create_table.sql
\! printf 'INSERT INTO n31_t VALUES (1, NULL);\n' > /tmp/pg_migrate_regress/n31/sub/Mig1.1-first_row.PGSQL
\! printf 'INSERT INTO n31_t VALUES (2, %s);\n' "'\${kept}'" > /tmp/pg_migrate_regress/n31/Mig2-with_conf.pgsql
\! printf 'placeholderReplacement=false\n' > /tmp/pg_migrate_regress/n31/Mig2-with_conf.pgsql.conf
\! printf 'DELETE FROM n31_t WHERE id = 2;\n' > /tmp/pg_migrate_regress/n31/Back2-with_conf.pgsql
\! printf 'CREATE OR REPLACE VIEW n31_v AS SELECT count(*) AS n FROM n31_t;\n' > /tmp/pg_migrate_regress/n31/Rep-count_view.sql
\! printf 'INSERT INTO n31_log.cb VALUES (%s);\n' "'beforeMigrate'" > /tmp/pg_migrate_regress/n31/beforeMigrate-log.pgsql
\! printf 'CREATE TABLE n31_default (i int);\n' > /tmp/pg_migrate_regress/n31/V3__default_name.sql
\! printf 'not a script\n' > /tmp/pg_migrate_regress/n31/notes.txt
\! chmod -R a+rwX /tmp/pg_migrate_regress/n31
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/n31';

-- the defaults are Flyway's
LOAD 'pg_migrate';
SHOW pg_migrate.sql_migration_prefix;
SHOW pg_migrate.sql_migration_separator;
SHOW pg_migrate.sql_migration_suffixes;
SHOW pg_migrate.repeatable_sql_migration_prefix;
SHOW pg_migrate.undo_sql_migration_prefix;
SHOW pg_migrate.baseline_migration_prefix;

-- a value that cannot name files is refused when set
SET pg_migrate.sql_migration_separator = '';
SET pg_migrate.sql_migration_prefix = '';
SET pg_migrate.undo_sql_migration_prefix = 'a/U';
SET pg_migrate.sql_migration_suffixes = '';
SET pg_migrate.sql_migration_suffixes = '.sql,,.pgsql';
SET pg_migrate.sql_migration_suffixes = '.sql,.conf';
SHOW pg_migrate.sql_migration_separator;
SHOW pg_migrate.sql_migration_suffixes;

-- the suffixes decide which files are read at all: superuser-only, as the
-- locations are; the prefixes and separator are anyone's
CREATE ROLE n31_user;
SET ROLE n31_user;
SET pg_migrate.sql_migration_suffixes = '.sql,.txt';
SET pg_migrate.sql_migration_prefix = 'Mine';
SHOW pg_migrate.sql_migration_prefix;
RESET pg_migrate.sql_migration_prefix;
RESET ROLE;
DROP ROLE n31_user;

-- with the defaults, only V3 is a migration; the others are badly named
SELECT version, script FROM migrate_info();

SET pg_migrate.sql_migration_prefix = 'Mig';
SET pg_migrate.sql_migration_separator = '-';
SET pg_migrate.sql_migration_suffixes = '.sql, .pgsql';
SET pg_migrate.repeatable_sql_migration_prefix = 'Rep';
SET pg_migrate.undo_sql_migration_prefix = 'Back';
SET pg_migrate.baseline_migration_prefix = 'Base';

-- settings that clash are refused when a run starts, naming both
SET pg_migrate.repeatable_sql_migration_prefix = 'Mig';
SELECT version, script FROM migrate_info();
SELECT version, script FROM migrate_apply();
SET pg_migrate.repeatable_sql_migration_prefix = 'afterMigrate';
SELECT migrate_validate();
SET pg_migrate.repeatable_sql_migration_prefix = 'Rep';
SET pg_migrate.sql_migration_prefix = 'M-';
SELECT version, script FROM migrate_info();
SET pg_migrate.sql_migration_prefix = 'Mig';
-- nothing was created
SELECT count(*) AS history_tables FROM pg_catalog.pg_tables WHERE schemaname = 'n31';

-- the conventions as set: V3__default_name.sql is the badly named one now
SELECT category, version, description, script, state FROM migrate_info();
SELECT version, description, type, script, state FROM migrate_apply();
SELECT id, note FROM n31_t ORDER BY id;
SELECT n FROM n31_v;
SELECT event FROM n31_log.cb;
SELECT installed_rank, version, description, type, script, success
  FROM n31.flyway_schema_history ORDER BY installed_rank;

-- the undo script of the configured prefix
SELECT version, description, type, script, state FROM migrate_undo();
SELECT id FROM n31_t ORDER BY id;

-- validate_naming: the hint shows the configured shapes
SET pg_migrate.validate_naming = on;
SELECT migrate_validate();
RESET pg_migrate.validate_naming;

-- a script's SET of a naming setting does not outlive the run
\! printf 'SET pg_migrate.sql_migration_prefix = %s;\n' "'Zzz'" > /tmp/pg_migrate_regress/n31/Mig4-sets_prefix.sql && chmod a+r /tmp/pg_migrate_regress/n31/Mig4-sets_prefix.sql
SELECT version, state FROM migrate_apply(single_transaction => true);
SHOW pg_migrate.sql_migration_prefix;

-- the baseline prefix: on an empty history the baseline migration stands
-- for the versions up to it
CREATE SCHEMA n31b;
\! rm -rf /tmp/pg_migrate_regress/n31b && mkdir -p /tmp/pg_migrate_regress/n31b
\! printf 'CREATE TABLE b_one (i int);\n' > /tmp/pg_migrate_regress/n31b/Mig1-one.sql
\! printf 'CREATE TABLE b_two (i int);\n' > /tmp/pg_migrate_regress/n31b/Mig2-two.sql
\! printf 'CREATE TABLE b_one (i int);\nCREATE TABLE b_two (i int);\n' > /tmp/pg_migrate_regress/n31b/Base2-both.pgsql
\! printf 'CREATE TABLE b_three (i int);\n' > /tmp/pg_migrate_regress/n31b/Mig3-three.sql
\! chmod -R a+rwX /tmp/pg_migrate_regress/n31b
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/n31b';
SET search_path = n31b, public;
SELECT version, description, type, script, state FROM migrate_apply();
SELECT version, type, script FROM n31b.flyway_schema_history ORDER BY installed_rank;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/n31';
SET search_path = n31, public;

-- checksums do not depend on the names: the same texts under Flyway's
-- default names give the same checksums
CREATE SCHEMA n31d;
\! rm -rf /tmp/pg_migrate_regress/n31d && mkdir -p /tmp/pg_migrate_regress/n31d
\! cp /tmp/pg_migrate_regress/n31/Mig1-create_table.sql /tmp/pg_migrate_regress/n31d/V1__create_table.sql
\! cp /tmp/pg_migrate_regress/n31/sub/Mig1.1-first_row.PGSQL /tmp/pg_migrate_regress/n31d/V1_1__first_row.sql
\! cp /tmp/pg_migrate_regress/n31/Rep-count_view.sql /tmp/pg_migrate_regress/n31d/R__count_view.sql
\! chmod -R a+rwX /tmp/pg_migrate_regress/n31d
RESET pg_migrate.sql_migration_prefix;
RESET pg_migrate.sql_migration_separator;
RESET pg_migrate.sql_migration_suffixes;
RESET pg_migrate.repeatable_sql_migration_prefix;
RESET pg_migrate.undo_sql_migration_prefix;
RESET pg_migrate.baseline_migration_prefix;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/n31d';
SET search_path = n31d, public;
SELECT version, script FROM migrate_apply();
SELECT d.script AS default_name, c.script AS configured_name, d.checksum = c.checksum AS same_checksum
  FROM n31d.flyway_schema_history d
  JOIN n31.flyway_schema_history c ON c.description = d.description AND c.type = d.type
 WHERE d.type = 'SQL' AND c.success
 ORDER BY d.installed_rank, c.installed_rank;

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA n31 CASCADE;
DROP SCHEMA n31d CASCADE;
DROP SCHEMA n31_log CASCADE;
DROP SCHEMA n31b CASCADE;
\! rm -rf /tmp/pg_migrate_regress/n31 /tmp/pg_migrate_regress/n31d /tmp/pg_migrate_regress/n31b
