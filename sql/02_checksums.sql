-- Checksums are Flyway's: CRC-32 of the text without line endings and BOM.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA c02;
SET search_path = c02, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/checksums';

-- resolved checksums, before anything is applied
SELECT version, description, script, checksum, state FROM migrate_info();
SELECT version, script, checksum, state FROM migrate_apply(target => '6');
-- history holds the same values:
--   "SELECT 1;" = 78787420 whatever the line endings or a BOM,
--   V6__Couple.sql of Flyway's dry-run tutorial = -722651034
SELECT installed_rank, version, script, checksum, success
  FROM c02.flyway_schema_history ORDER BY installed_rank;
SELECT version, checksum,
       checksum = CASE version WHEN '6' THEN -722651034
                               WHEN '5' THEN checksum
                               ELSE 78787420 END AS flyway_value
  FROM c02.flyway_schema_history ORDER BY installed_rank;
SELECT version, checksum, state FROM migrate_info() WHERE version::int >= 7;

-- invalid UTF-8: error naming the file and the line
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/badutf8';
CREATE SCHEMA c02_bad;
SET search_path = c02_bad, public;
SELECT count(*) FROM migrate_info();
SELECT count(*) FROM migrate_apply();

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA c02 CASCADE;
DROP SCHEMA c02_bad CASCADE;
