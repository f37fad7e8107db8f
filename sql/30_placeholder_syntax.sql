-- Placeholder syntax: pg_migrate.placeholder_prefix, placeholder_suffix and
-- placeholder_separator (Flyway's placeholderPrefix, placeholderSuffix and
-- placeholderSeparator), and the built-in flyway:workingDirectory.
SET client_min_messages = warning;
\set VERBOSITY default
LOAD 'pg_migrate';
CREATE SCHEMA ps29;
SET search_path = ps29, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/placeholder_syntax';
SET pg_migrate.placeholders = '{"owner": "alice"}';

-- Flyway's defaults; an empty value is refused when set
SHOW pg_migrate.placeholder_prefix;
SHOW pg_migrate.placeholder_suffix;
SHOW pg_migrate.placeholder_separator;
SET pg_migrate.placeholder_prefix = '';
SET pg_migrate.placeholder_suffix = '';
SET pg_migrate.placeholder_separator = '';

-- a separator that holds the suffix: refused before anything runs
SET pg_migrate.placeholder_separator = '}';
SELECT count(*) FROM migrate_apply();
SELECT to_regclass('ps29.flyway_schema_history') IS NULL AS nothing_created;
-- a placeholder in the built-ins' namespace of the separator is refused
SET pg_migrate.placeholder_separator = '_';
SELECT count(*) FROM migrate_info(placeholders => '{"Flyway_owner": "x"}');
-- and so is a name that holds the suffix
SET pg_migrate.placeholder_suffix = ']';
SELECT count(*) FROM migrate_info(placeholders => '{"a]b": "x"}');

-- #[name] with the separator _: the built-ins are flyway_user, ...
SET pg_migrate.placeholder_prefix = '#[';
SELECT version, description, state FROM migrate_apply(single_transaction => true);
SELECT name, value FROM ps29_values WHERE name <> 'flyway_workingDirectory' ORDER BY n;
-- in the server, the working directory is the data directory
SELECT value = current_setting('data_directory') AS working_directory_ok
  FROM ps29_values WHERE name = 'flyway_workingDirectory';
-- the script's SET of the prefix ended with it
SHOW pg_migrate.placeholder_prefix;

-- a repeatable's checksum is its text replaced in this syntax: a new value
-- makes it outdated, the same value does not
SELECT description, state FROM migrate_info() WHERE version IS NULL;
SELECT description, state FROM migrate_info(placeholders => '{"owner": "bob"}') WHERE version IS NULL;

-- undefined names are written in the configured syntax
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/placeholder_syntax_undefined';
CREATE SCHEMA ps29_undefined;
SET search_path = ps29_undefined, public;
SELECT count(*) FROM migrate_apply();
SELECT count(*) FROM migrate_apply(placeholders => '{"nope": "x"}');
SELECT count(*) AS applied FROM ps29_undefined.flyway_schema_history;
RESET pg_migrate.placeholder_prefix;
RESET pg_migrate.placeholder_suffix;
RESET pg_migrate.placeholder_separator;

-- ${flyway:workingDirectory} for a role that may not read data_directory:
-- refused, naming what would give it
CREATE ROLE regress_pgm_ps29;
CREATE SCHEMA ps29_wd;
GRANT USAGE, CREATE ON SCHEMA ps29_wd TO regress_pgm_ps29;
GRANT EXECUTE ON FUNCTION migrate_apply(text, jsonb, boolean, boolean) TO regress_pgm_ps29;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/placeholder_syntax_wd';
SET search_path = ps29_wd, public;
SET ROLE regress_pgm_ps29;
SELECT count(*) FROM migrate_apply();
RESET ROLE;
SELECT to_regclass('ps29_wd.ps29_wd') IS NULL AS nothing_applied;
GRANT pg_read_all_settings TO regress_pgm_ps29;
SET ROLE regress_pgm_ps29;
SELECT version, state FROM migrate_apply();
RESET ROLE;
SELECT v = current_setting('data_directory') AS working_directory_ok FROM ps29_wd.ps29_wd;

RESET pg_migrate.placeholders;
RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA ps29, ps29_undefined, ps29_wd CASCADE;
REVOKE EXECUTE ON FUNCTION migrate_apply(text, jsonb, boolean, boolean) FROM regress_pgm_ps29;
DROP ROLE regress_pgm_ps29;
