-- Privileges: revoked from PUBLIC, a granted role migrates with its own
-- rights, installed_by is that role, locations and placeholders are
-- superuser-only.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE ROLE regress_pgm_nobody;
CREATE ROLE regress_pgm_deployer;
-- every function of the extension, whatever later versions add
SELECT count(*) >= 5 AS has_functions,
       bool_and(NOT has_function_privilege('regress_pgm_nobody', p.oid, 'EXECUTE')) AS nobody_can_run_any,
       bool_and(p.proacl IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0)) AS none_granted_to_public
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_migrate';

CREATE SCHEMA g10;
GRANT USAGE, CREATE ON SCHEMA g10 TO regress_pgm_deployer;
CREATE SCHEMA g10_secret;
CREATE TABLE g10_secret.hidden (id int);
GRANT EXECUTE ON FUNCTION migrate_apply(text, jsonb, boolean, boolean),
                          migrate_info(text, jsonb, boolean),
                          migrate_validate(text, jsonb, boolean)
   TO regress_pgm_deployer;
-- the superuser points the session at the scripts (loads the settings first)
LOAD 'pg_migrate';
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/privileges';
SET search_path = g10, public;

SET ROLE regress_pgm_nobody;
SELECT count(*) FROM migrate_info();
RESET ROLE;

SET ROLE regress_pgm_deployer;
-- a non-superuser cannot change where scripts come from, nor installed_by
SET pg_migrate.locations = 'filesystem:/tmp';
SET pg_migrate.installed_by = 'someone else';
-- placeholder values become SQL text: only a superuser presets them, for the
-- database or a role (a caller passes its own through the argument)
SET pg_migrate.placeholders = '{"owner": "x"}';
ALTER ROLE regress_pgm_deployer SET pg_migrate.placeholders = '{"owner": "x"}';
SHOW pg_migrate.locations;
SELECT version, state FROM migrate_info();
SELECT version, description, state FROM migrate_apply(target => '2');
-- V3 reads a table the role cannot read: it fails
SELECT version, description, state FROM migrate_apply();
SELECT * FROM migrate_baseline();
RESET ROLE;
SELECT installed_rank, version, installed_by, success FROM g10.flyway_schema_history ORDER BY 1;
SELECT pg_get_userbyid(relowner) AS owner, relname FROM pg_class
 WHERE relnamespace = 'g10'::regnamespace AND relkind = 'r' ORDER BY relname;

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA g10 CASCADE;
DROP SCHEMA g10_secret CASCADE;
REVOKE EXECUTE ON FUNCTION migrate_apply(text, jsonb, boolean, boolean),
                           migrate_info(text, jsonb, boolean),
                           migrate_validate(text, jsonb, boolean)
   FROM regress_pgm_deployer;
DROP ROLE regress_pgm_nobody;
DROP ROLE regress_pgm_deployer;
