-- The checksum cache: a new session stats unchanged scripts instead of
-- reading them, through pg_migrate_checksums; any change to a file is seen.
SET client_min_messages = warning;
\set VERBOSITY default
\! rm -rf /tmp/pg_migrate_regress/cache && cp -R /tmp/pg_migrate_regress/callbacks /tmp/pg_migrate_regress/cache && chmod -R a+rwX /tmp/pg_migrate_regress/cache && touch -d '10 minutes ago' /tmp/pg_migrate_regress/cache/*
CREATE SCHEMA k14;
ALTER DATABASE contrib_regression SET search_path = k14, public;
\c
SET client_min_messages = warning;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/cache';
SELECT version, script, state FROM migrate_apply();
-- the worker saved what it read (repeatables are never cached: their placeholders vary)
SELECT count(*) FROM pg_migrate_checksums WHERE path LIKE '/tmp/pg_migrate_regress/cache/%';
SELECT count(*) FROM pg_migrate_checksums WHERE path LIKE '/tmp/pg_migrate_regress/cache/R\_%';

-- a new session: callbacks found through the cache still run, nothing is pending
\c
SET client_min_messages = warning;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/cache';
SELECT count(*) FROM migrate_apply();
SELECT event, count(*) FROM cb_log GROUP BY 1 ORDER BY 1;

-- an edited script is read again and its new checksum found
\! printf 'CREATE TABLE one (id int, note text);\n' > /tmp/pg_migrate_regress/cache/V1__one.sql
\c
SET client_min_messages = warning;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/cache';
SELECT migrate_validate();

-- the table is the extension owner's alone
CREATE ROLE regress_pgm_cache_nobody;
SET ROLE regress_pgm_cache_nobody;
SELECT count(*) FROM pg_migrate_checksums;
RESET ROLE;
DROP ROLE regress_pgm_cache_nobody;

ALTER DATABASE contrib_regression RESET search_path;
\c
SET client_min_messages = warning;
DROP SCHEMA k14 CASCADE;
DELETE FROM pg_migrate_checksums;
