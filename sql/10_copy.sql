-- COPY ... FROM STDIN data blocks in scripts, loaded as psql loads them
SET client_min_messages = warning;
CREATE SCHEMA c10;
SET search_path = c10, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/copy';
SELECT version, description, state FROM migrate_apply();
SELECT * FROM c1 ORDER BY id;
SELECT * FROM c2;
SELECT * FROM c3;
-- checksums cover the data too (Flyway hashes the whole file)
SELECT version, checksum IS NOT NULL AS has_checksum FROM flyway_schema_history ORDER BY installed_rank;

-- a bad row: the error names the script line of the row; nothing of that migration remains
CREATE SCHEMA c10_bad;
SET search_path = c10_bad, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/copy_bad';
SELECT version, state FROM migrate_apply();
SELECT count(*) FROM c1;
SELECT version, success FROM flyway_schema_history ORDER BY installed_rank;

-- the same in a single transaction: nothing at all remains
CREATE SCHEMA c10_single;
SET search_path = c10_single, public;
SELECT version FROM migrate_apply(single_transaction => true);
SELECT to_regclass('c10_single.c1') IS NULL AS no_table;

-- a COPY that fails before it reads a row (its table is missing) is blamed
-- at its own line, not at a row counted for the COPY before it
CREATE SCHEMA c10_missing;
SET search_path = c10_missing, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/copy_missing';
SELECT version FROM migrate_apply();
SELECT version FROM migrate_apply(single_transaction => true);

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA c10, c10_bad, c10_single, c10_missing CASCADE;
RESET client_min_messages;
