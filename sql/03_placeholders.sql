-- Placeholders: setting, per-call override, case-insensitive names, names
-- with "-" and ".", built-ins, undefined names, bad JSON, replacement off.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA p03;
SET search_path = p03, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/placeholders';
SET pg_migrate.placeholders = '{"owner": "alice", "My-Name": "dash value", "my.NAME": "dot value"}';

-- the per-call argument overrides the setting (owner = bob)
SELECT version, description, script, state FROM migrate_apply(placeholders => '{"Owner": "bob"}');
SELECT name, value FROM p03_values
 WHERE name NOT IN ('flyway:user', 'flyway:database', 'flyway:timestamp') ORDER BY n;
SELECT value = current_user AS user_ok FROM p03_values WHERE name = 'flyway:user';
SELECT value = current_database() AS database_ok FROM p03_values WHERE name = 'flyway:database';
SELECT value ~ '^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$' AS timestamp_shape_ok
  FROM p03_values WHERE name = 'flyway:timestamp';

-- versioned checksums are taken before replacement, repeatables after:
-- with the setting's value (alice) the repeatable is outdated, the rest is not
SELECT version, description, state FROM migrate_info();
SELECT migrate_validate(placeholders => '{"owner": "bob"}');
SELECT migrate_validate();
SELECT version, description, script, state FROM migrate_apply();
SELECT name, value FROM p03_values WHERE name = 'repeatable' ORDER BY n;
SELECT version, description, state FROM migrate_info();
-- same value: nothing to do
SELECT count(*) FROM migrate_apply();
SELECT installed_rank, version, description, checksum IS NOT NULL AS has_checksum
  FROM p03.flyway_schema_history ORDER BY installed_rank;

-- bad JSON in the setting and in the argument
SET pg_migrate.placeholders = '{"owner": ';
SET pg_migrate.placeholders = '["owner"]';
SHOW pg_migrate.placeholders;
SELECT count(*) FROM migrate_info(placeholders => '["owner"]');
SELECT count(*) FROM migrate_apply(placeholders => '"owner"');
SELECT count(*) FROM migrate_info(placeholders => '{"owner": {"nested": 1}}');

-- an undefined placeholder: error naming the file and the line
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/placeholders_undefined';
CREATE SCHEMA p03_undefined;
SET search_path = p03_undefined, public;
SELECT count(*) FROM migrate_apply();
SELECT count(*) FROM pg_class WHERE relnamespace = 'p03_undefined'::regnamespace;
-- an unknown built-in
SELECT count(*) FROM migrate_apply(placeholders => '{"nope": "${flyway:nope}"}');
-- a defined one makes it work
SELECT version, state FROM migrate_apply(placeholders => '{"NOPE": "defined"}');

-- placeholder_replacement off leaves ${x} untouched
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/placeholders_off';
CREATE SCHEMA p03_off;
SET search_path = p03_off, public;
SET pg_migrate.placeholder_replacement = off;
SELECT version, state FROM migrate_apply();
SELECT v FROM p03_raw;

RESET pg_migrate.placeholder_replacement;
RESET pg_migrate.placeholders;
RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA p03 CASCADE;
DROP SCHEMA p03_undefined CASCADE;
DROP SCHEMA p03_off CASCADE;
