-- Flyway's clean (migrate_clean()): refused while pg_migrate.clean_disabled
-- is on; then every object of the managed schemas dropped, the schemas the
-- SCHEMA marker lists dropped whole, extension members kept, hostile names
-- quoted, nothing of a less privileged role's run; the clean callbacks.
SET client_min_messages = warning;
\set VERBOSITY default
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/clean';
SET pg_migrate.schemas = 'cl_app, cl_audit';
CREATE TABLE public.clean_keep (a integer);
-- cl_app exists before the migrate, cl_audit is created by it
CREATE SCHEMA cl_app;
SELECT version, state FROM migrate_apply();
SELECT installed_rank, type, script FROM cl_app.flyway_schema_history WHERE type = 'SCHEMA';

-- refused by default, naming the setting; nothing runs, nothing is dropped
SHOW pg_migrate.clean_disabled;
SELECT * FROM migrate_clean();
SELECT count(*) AS cl_app_relations FROM pg_class WHERE relnamespace = 'cl_app'::regnamespace;
SELECT count(*) AS cl_audit FROM pg_namespace WHERE nspname = 'cl_audit';

-- operators and functions of a role's schema first on the search_path are
-- never called by clean (every one it uses is pg_catalog's)
CREATE SCHEMA cl_evil;
DO $$
DECLARE
  sig text;
BEGIN
  FOREACH sig IN ARRAY ARRAY['name, name', 'oid, oid', '"char", "char"', 'text, text', 'oid, integer'] LOOP
    EXECUTE format('CREATE FUNCTION cl_evil.trap(%s) RETURNS boolean LANGUAGE plpgsql
      AS $f$BEGIN RAISE EXCEPTION %L; END$f$', sig, 'cl_evil''s operator was called');
    EXECUTE format('CREATE OPERATOR cl_evil.= (LEFTARG = %s, RIGHTARG = %s, FUNCTION = cl_evil.trap)',
      split_part(sig, ', ', 1), split_part(sig, ', ', 2));
  END LOOP;
  CREATE OPERATOR cl_evil.<> (LEFTARG = "char", RIGHTARG = "char", FUNCTION = cl_evil.trap);
END$$;

-- turned off: beforeClean, then cl_app emptied object by object in Flyway's
-- order (materialized views, views, tables, ..., the history table too),
-- cl_audit (created by the migrate) dropped whole, then afterClean
SET pg_migrate.clean_disabled = off;
SET search_path = cl_evil, pg_catalog, public;
SELECT * FROM migrate_clean();
RESET search_path;
SELECT count(*) AS cl_app_objects FROM pg_class WHERE relnamespace = 'cl_app'::regnamespace;
SELECT count(*) AS cl_app_types FROM pg_type WHERE typnamespace = 'cl_app'::regnamespace;
SELECT count(*) AS cl_app_routines FROM pg_proc WHERE pronamespace = 'cl_app'::regnamespace;
SELECT nspname FROM pg_namespace WHERE nspname IN ('cl_app', 'cl_audit');
SELECT to_regclass('public.clean_keep') AS hostile_names_quoted;
-- a second clean finds nothing more to drop (cl_audit is gone: a warning)
SELECT * FROM migrate_clean();

-- a migrate after the clean applies everything again, recreating cl_audit
SELECT version, state FROM migrate_apply();
SELECT installed_rank, type, script FROM cl_app.flyway_schema_history WHERE type = 'SCHEMA';
SELECT count(*) AS items FROM cl_app.items;

-- pg_migrate installed in a managed schema: its own objects survive a
-- clean (they are extension members), the migrations' objects go, the
-- schema stays.  In a database of its own.
\set regress_db :DBNAME
CREATE DATABASE clean_ext;
\c clean_ext
SET client_min_messages = warning;
CREATE SCHEMA cl_tools;
CREATE EXTENSION pg_migrate SCHEMA cl_tools;
SET search_path = cl_tools;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/clean';
SET pg_migrate.schemas = 'cl_tools, cl_audit';
SELECT version, state FROM migrate_apply(single_transaction => true);
CREATE TEMP TABLE members AS
  SELECT pg_describe_object(classid, objid, objsubid) AS member FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_migrate');
SET pg_migrate.clean_disabled = off;
SELECT schema, object_type, count(*) FROM migrate_clean() GROUP BY 1, 2 ORDER BY 1, 2;
SELECT count(*) AS members_lost FROM members
 WHERE member NOT IN (SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend
   WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
     AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_migrate'));
SELECT relname FROM pg_class WHERE relnamespace = 'cl_tools'::regnamespace AND relkind = 'r' ORDER BY 1;
SELECT count(*) AS info_rows FROM migrate_info() WHERE state = 'Pending';

-- a DROP ... CASCADE that would reach an extension's member would drop the
-- whole extension: the clean fails, afterCleanError runs, nothing is dropped
SELECT version, state FROM migrate_apply(single_transaction => true);
CREATE VIEW public.ext_view AS SELECT name FROM cl_tools.items;
ALTER EXTENSION pg_migrate ADD VIEW public.ext_view;
SELECT * FROM migrate_clean();
SELECT extname FROM pg_extension WHERE extname = 'pg_migrate';
SELECT count(*) AS items_kept FROM cl_tools.items;
ALTER EXTENSION pg_migrate DROP VIEW public.ext_view;
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE clean_ext;
DROP TABLE public.clean_keep;
DROP SCHEMA cl_evil CASCADE;
DROP SCHEMA cl_app CASCADE;
DROP SCHEMA cl_audit CASCADE;
