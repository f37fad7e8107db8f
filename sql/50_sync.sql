-- Remote locations without a server: location syntax, settings and
-- privileges of migrate_sync() and migrate_sync_status().  The fetches
-- themselves are tested against loopback servers in t/050_sync_*.pl.
SET client_min_messages = notice;
\set VERBOSITY default
LOAD 'pg_migrate';
-- nothing remote: nothing to sync
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/privileges';
SELECT * FROM migrate_sync();
-- bad remote locations are refused before anything is fetched
SET pg_migrate.locations = 'http://example.com/releases/';
SELECT * FROM migrate_sync();
SET pg_migrate.locations = 'https:///releases/';
SELECT * FROM migrate_sync();
SET pg_migrate.locations = 'https://user:pw@example.com/releases/';
SELECT * FROM migrate_sync();
SET pg_migrate.locations = 'https://example.com/releases/?versionId=3';
SELECT * FROM migrate_sync();
SET pg_migrate.locations = 'https://example.com/a/../b/';
SELECT * FROM migrate_sync();
SET pg_migrate.locations = 's3://Bad_Bucket/prefix/';
SELECT * FROM migrate_sync();
SET pg_migrate.locations = 's3://ab/prefix/';
SELECT * FROM migrate_sync();
SET pg_migrate.locations = 'filesystem:/tmp, https://exa mple.com/';
SELECT * FROM migrate_sync();
-- the same checks guard migrate_info() and migrate_apply()
SET pg_migrate.locations = 'http://example.com/releases/';
SELECT count(*) FROM migrate_info();
-- a remote location never synced: no release to plan with
SET pg_migrate.locations = 'https://example.invalid/releases/';
SET pg_migrate.sync_on_apply = off;
SELECT count(*) FROM migrate_info();
SELECT count(*) FROM migrate_validate();
RESET pg_migrate.sync_on_apply;
-- settings: an endpoint must be https; numbers are bounded
SET pg_migrate.s3_endpoint = 'http://127.0.0.1:9000';
SET pg_migrate.http_timeout = 0;
SET pg_migrate.max_script_size = '1GB';
-- privileges: nothing for PUBLIC, the tables for nobody
CREATE ROLE regress_pgm_sync_nobody;
CREATE ROLE regress_pgm_sync_deployer;
GRANT EXECUTE ON FUNCTION migrate_sync(), migrate_sync_status() TO regress_pgm_sync_deployer;
SET ROLE regress_pgm_sync_nobody;
SELECT * FROM migrate_sync();
SELECT * FROM migrate_sync_status();
SELECT count(*) FROM pg_migrate_fetched_scripts;
SELECT count(*) FROM pg_migrate_sync_status;
-- no secret is a setting: only the path of a file the server's user reads
SELECT name FROM pg_settings WHERE name LIKE 'pg_migrate.s3\_%' ORDER BY 1;
RESET ROLE;
SET ROLE regress_pgm_sync_deployer;
SELECT * FROM migrate_sync_status();
SELECT count(*) FROM pg_migrate_fetched_scripts;
SET pg_migrate.locations = 'https://attacker.example/';
SET pg_migrate.ca_file = '/tmp/evil.pem';
SET pg_migrate.s3_credentials_file = '/tmp/other-credentials';
RESET ROLE;
DROP ROLE regress_pgm_sync_nobody;
REVOKE ALL ON FUNCTION migrate_sync(), migrate_sync_status() FROM regress_pgm_sync_deployer;
DROP ROLE regress_pgm_sync_deployer;
-- the tables are dumped or not, as documented
SELECT c.relname, c.oid = ANY (e.extconfig) AS dumped
  FROM pg_extension e, pg_class c
 WHERE e.extname = 'pg_migrate' AND c.relname LIKE 'pg\_migrate\_%' AND c.relkind = 'r'
 ORDER BY 1;
