-- Each migration starts from the session state the run started with: what
-- V2 sets (session authorization, session_replication_role, tablespaces,
-- search_path, ...) does not reach V3 nor the history rows, in the apply
-- worker and in the caller's transaction; the caller gets its own state
-- back.  A history table in a temporary schema is refused.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE ROLE regress_pgm_bob;
CREATE ROLE regress_pgm_alice SUPERUSER;
SET allow_in_place_tablespaces = true;
CREATE TABLESPACE regress_pgm_space LOCATION '';
CREATE ACCESS METHOD regress_pgm_heap TYPE TABLE HANDLER heap_tableam_handler;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/session_leak';

-- what V3 found, whether its trigger fired, where its table went
CREATE FUNCTION s21_report(schema text, caller name) RETURNS TABLE (
    cur_is_caller boolean, sess_is_session_user boolean, search_path text,
    default_tablespace text, temp_tablespaces text, table_access_method text,
    replication_role text, row_security text, function_bodies text, mixed text,
    placeholder_replacement text, installed_by text, trigger_fired bigint,
    made_in_default_tablespace boolean, made_with_heap boolean,
    history_installed_by_caller boolean)
LANGUAGE plpgsql AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT s.cur = $1, s.sess = session_user, s.search_path, s.default_tablespace,
            s.temp_tablespaces, s.table_access_method, s.replication_role, s.row_security,
            s.function_bodies, s.mixed, s.placeholder_replacement, s.installed_by,
            (SELECT count(*) FROM %1$I.s21_fired),
            (SELECT reltablespace = 0 FROM pg_class WHERE oid = %2$L::regclass),
            (SELECT a.amname = ''heap'' FROM pg_class c JOIN pg_am a ON a.oid = c.relam
              WHERE c.oid = %2$L::regclass),
            (SELECT bool_and(installed_by = $1) FROM %1$I.flyway_schema_history)
       FROM %1$I.s21_seen s', schema, schema || '.s21_made') USING caller;
END
$$;
-- bob may do what V3 does: a leak shows as what V3 saw, not as an error
CREATE FUNCTION s21_open_to_bob(schema text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO regress_pgm_bob', schema);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT ALL ON TABLES TO regress_pgm_bob', schema);
END
$$;
GRANT CREATE ON TABLESPACE regress_pgm_space TO regress_pgm_bob;
-- the caller's own state after a call
CREATE VIEW s21_caller AS
  SELECT current_user = session_user AS as_session_user,
         current_user = 'regress_pgm_alice' AS as_alice,
         session_user = 'regress_pgm_bob' AS session_user_is_bob,
         current_setting('search_path') AS search_path,
         current_setting('session_replication_role') AS replication_role,
         current_setting('default_tablespace') AS default_tablespace;

-- per migration, in the apply worker
CREATE SCHEMA s21_worker;
SELECT s21_open_to_bob('s21_worker');
SET search_path = s21_worker, public;
SELECT version, state FROM migrate_apply();
\x on
SELECT * FROM public.s21_report('s21_worker', current_user);
\x off

-- in the caller's transaction
CREATE SCHEMA s21_single;
SELECT s21_open_to_bob('s21_single');
SET search_path = s21_single, public;
SELECT version, state FROM migrate_apply(single_transaction => true);
SELECT * FROM public.s21_caller;
\x on
SELECT * FROM public.s21_report('s21_single', current_user);
\x off

-- a caller that SET ROLE: V3 runs as that role again, in both paths
CREATE SCHEMA s21_role_worker;
CREATE SCHEMA s21_role_single;
SET ROLE regress_pgm_alice;
SELECT s21_open_to_bob('s21_role_worker'), s21_open_to_bob('s21_role_single');
SET search_path = s21_role_worker, public;
SELECT version, state FROM migrate_apply();
SET search_path = s21_role_single, public;
SELECT version, state FROM migrate_apply(single_transaction => true);
SELECT * FROM public.s21_caller;
\x on
SELECT * FROM public.s21_report('s21_role_worker', 'regress_pgm_alice');
SELECT * FROM public.s21_report('s21_role_single', 'regress_pgm_alice');
\x off
RESET ROLE;

-- callbacks in the caller's transaction (migrate_validate()) start from the
-- caller's state too, and the caller gets it back
CREATE TABLE public.s21_validate_seen (n serial, as_session_user boolean, session_user_is_bob boolean,
  replication_role text);
GRANT ALL ON public.s21_validate_seen, public.s21_validate_seen_n_seq TO PUBLIC;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/session_validate';
CREATE SCHEMA s21_validate;
SET search_path = s21_validate, public;
SELECT version, state FROM migrate_apply();
SELECT migrate_validate();
SELECT * FROM public.s21_caller;
SELECT as_session_user, session_user_is_bob, replication_role FROM public.s21_validate_seen ORDER BY n;

-- a search_path that starts with pg_temp would put the history table and
-- every object in a temporary schema that vanishes: refused, nothing made
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/session_temp';
SET search_path = pg_temp, public;
SELECT version, state FROM migrate_apply();
SELECT version, state FROM migrate_apply(single_transaction => true);
SELECT version, state FROM migrate_info();
SET search_path = nosuchschema, pg_temp, public;
SELECT count(*) FROM migrate_plan();
SET search_path = public;
SET pg_migrate.schema = 'pg_temp';
SELECT version, state FROM migrate_apply();
-- the session's own temporary schema, by its name (which varies)
CREATE TEMP TABLE s21_here (id int);
SELECT set_config('pg_migrate.schema', nspname, false) IS NOT NULL AS set
  FROM pg_namespace WHERE oid = pg_my_temp_schema();
\set VERBOSITY terse
SELECT version, state FROM migrate_apply(single_transaction => true);
\set VERBOSITY default
RESET pg_migrate.schema;
SELECT count(*) AS made FROM pg_class
 WHERE relname = 's21_vanishing' OR (relname = 'flyway_schema_history' AND relpersistence = 't');

-- a caller's SET LOCAL stays local: the run gives back the settings as
-- they were, not as session settings that outlive the transaction
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/session_validate';
SET search_path = s21_validate, public;
BEGIN;
SET LOCAL session_replication_role = local;
SELECT migrate_validate();
SHOW session_replication_role;
COMMIT;
SHOW session_replication_role;

RESET search_path;
RESET pg_migrate.locations;
DROP SCHEMA s21_worker, s21_single, s21_role_worker, s21_role_single, s21_validate CASCADE;
DROP TABLE public.s21_validate_seen;
DROP VIEW s21_caller;
DROP FUNCTION s21_report(text, name);
DROP FUNCTION s21_open_to_bob(text);
DROP OWNED BY regress_pgm_bob;
DROP TABLESPACE regress_pgm_space;
DROP ACCESS METHOD regress_pgm_heap;
DROP ROLE regress_pgm_bob;
DROP ROLE regress_pgm_alice;
