-- Flyway's encoding setting: scripts in ISO-8859-1, windows-1252 or UTF-16
-- are decoded to UTF-8 (through the server's own conversions) before they
-- are checksummed and run, so each hashes like its UTF-8 twin.
SET client_min_messages = warning;
\set VERBOSITY default
\! touch -d '10 minutes ago' /tmp/pg_migrate_regress/encoding_*/*
CREATE SCHEMA e29;
SET search_path = e29, public;

-- the UTF-8 twins, and the checksums Flyway computes for them
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/encoding_utf8';
SELECT version, script, checksum,
       checksum = CASE version WHEN '1' THEN -882095175 ELSE 1605309158 END AS flyway_value
  FROM migrate_info() ORDER BY version;

-- ISO-8859-1 and UTF-16 (byte-order mark, CRLF) named in each script's .conf
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/encoding_conf';
SELECT version, script, checksum,
       checksum = CASE version WHEN '1' THEN -882095175 ELSE 1605309158 END AS same_as_utf8_twin
  FROM migrate_info() ORDER BY version;
SELECT version, state FROM migrate_apply();
SELECT id, word FROM e29.words ORDER BY id;
SELECT version, checksum FROM e29.flyway_schema_history ORDER BY installed_rank;

-- the setting decodes scripts without a .conf; a .conf's encoding wins
SET pg_migrate.encoding = 'windows-1252';
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/encoding_conf,filesystem:/tmp/pg_migrate_regress/encoding_win1252';
SELECT version, script, checksum, checksum = -1438230787 AS flyway_value, state
  FROM migrate_info() ORDER BY version;
SELECT version, state FROM migrate_apply();
SELECT id, word FROM e29.words WHERE id = 6;
SELECT migrate_validate();
-- read as ISO-8859-1, the same bytes are other characters: a new checksum
SET pg_migrate.encoding = 'ISO-8859-1';
SELECT migrate_validate();
-- a name no script can be in is refused when it is set
SET pg_migrate.encoding = 'EBCDIC';
SET pg_migrate.encoding = 'SQL_ASCII';
SET pg_migrate.encoding = 'UTF-32';
SHOW pg_migrate.encoding;
RESET pg_migrate.encoding;

-- bytes the encoding does not allow: the file, the line, how to name it;
-- nothing runs
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/encoding_bad_win';
SELECT count(*) FROM migrate_apply();
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/encoding_bad_utf16';
SELECT count(*) FROM migrate_info();
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/encoding_bad_utf16le';
SELECT count(*) FROM migrate_plan();
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/encoding_bad_name';
SELECT count(*) FROM migrate_info();
SELECT count(*) FROM e29.words;

-- a checksum cached as UTF-8 text is worked out again when a .conf names
-- another encoding: 'é' in UTF-8 is 'Ã©' in ISO-8859-1
CREATE SCHEMA e29_cache;
SET search_path = e29_cache, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/encoding_cache';
SELECT version, checksum, checksum = 1526126742 AS utf8_value FROM migrate_info();
\! printf 'encoding=ISO-8859-1\n' > /tmp/pg_migrate_regress/encoding_cache/V1__twice.sql.conf
SELECT version, checksum, checksum = 289639939 AS latin1_value FROM migrate_info();
\! rm /tmp/pg_migrate_regress/encoding_cache/V1__twice.sql.conf
SELECT version, checksum, checksum = 1526126742 AS utf8_value FROM migrate_info();

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA e29 CASCADE;
DROP SCHEMA e29_cache CASCADE;
