-- A hostile search_path: a schema before pg_catalog holds functions,
-- operators, an aggregate and types named like those the engine's SQL uses,
-- each recording its call.  Every SQL function of the extension runs with
-- that path, and none of them is ever called: every name in the SQL the
-- extension runs is schema-qualified.
SET client_min_messages = warning;
\set VERBOSITY default
LOAD 'pg_migrate';
CREATE SCHEMA evil;
CREATE SCHEMA sp15;
CREATE TABLE public.evil_calls (what pg_catalog.text);
CREATE FUNCTION evil.note(what pg_catalog.text) RETURNS pg_catalog.bool LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO public.evil_calls VALUES (what);
  RETURN true;
END $$;

-- functions
CREATE FUNCTION evil.now() RETURNS pg_catalog.timestamptz LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('now()'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION evil.pg_advisory_lock(k pg_catalog.int8) RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('pg_advisory_lock()'); END $$;
CREATE FUNCTION evil.pg_advisory_unlock(k pg_catalog.int8) RETURNS pg_catalog.bool LANGUAGE plpgsql AS $$
BEGIN RETURN evil.note('pg_advisory_unlock()'); END $$;
CREATE FUNCTION evil.pg_advisory_xact_lock(a pg_catalog.int4, b pg_catalog.int4) RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('pg_advisory_xact_lock()'); END $$;
CREATE FUNCTION evil.hashtext(t pg_catalog.text) RETURNS pg_catalog.int4 LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('hashtext()'); RETURN 0; END $$;
CREATE FUNCTION evil.unnest(a anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('unnest()'); RETURN QUERY SELECT pg_catalog.unnest(a); END $$;
CREATE FUNCTION evil.set_config(n pg_catalog.text, v pg_catalog.text, l pg_catalog.bool) RETURNS pg_catalog.text
LANGUAGE plpgsql AS $$ BEGIN PERFORM evil.note('set_config()'); RETURN v; END $$;
CREATE FUNCTION evil.current_setting(n pg_catalog.text) RETURNS pg_catalog.text LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('current_setting()'); RETURN ''; END $$;

-- an aggregate
CREATE FUNCTION evil.max_step(s pg_catalog.int4, v pg_catalog.int4) RETURNS pg_catalog.int4
LANGUAGE plpgsql STRICT AS $$ BEGIN PERFORM evil.note('max(int4)'); RETURN pg_catalog.int4larger(s, v); END $$;
CREATE AGGREGATE evil.max(pg_catalog.int4) (SFUNC = evil.max_step, STYPE = pg_catalog.int4);

-- operators
CREATE FUNCTION evil.int4_op(a pg_catalog.int4, b pg_catalog.int4) RETURNS pg_catalog.bool LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('int4 comparison'); RETURN pg_catalog.int4eq(a, b); END $$;
CREATE FUNCTION evil.int4_add(a pg_catalog.int4, b pg_catalog.int4) RETURNS pg_catalog.int4 LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('int4 +'); RETURN pg_catalog.int4pl(a, b); END $$;
CREATE FUNCTION evil.text_op(a pg_catalog.text, b pg_catalog.text) RETURNS pg_catalog.bool LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('text comparison'); RETURN pg_catalog.texteq(a, b); END $$;
CREATE FUNCTION evil.char_op(a pg_catalog."char", b pg_catalog."char") RETURNS pg_catalog.bool LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('"char" comparison'); RETURN pg_catalog.chareq(a, b); END $$;
CREATE FUNCTION evil.oid_op(a pg_catalog.oid, b pg_catalog.oid) RETURNS pg_catalog.bool LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('oid comparison'); RETURN pg_catalog.oideq(a, b); END $$;
CREATE FUNCTION evil.name_text_op(a pg_catalog.name, b pg_catalog.text) RETURNS pg_catalog.bool LANGUAGE plpgsql AS $$
BEGIN PERFORM evil.note('name comparison'); RETURN pg_catalog.nameeqtext(a, b); END $$;
CREATE OPERATOR evil.= (LEFTARG = pg_catalog.int4, RIGHTARG = pg_catalog.int4, FUNCTION = evil.int4_op);
CREATE OPERATOR evil.<> (LEFTARG = pg_catalog.int4, RIGHTARG = pg_catalog.int4, FUNCTION = evil.int4_op);
CREATE OPERATOR evil.< (LEFTARG = pg_catalog.int4, RIGHTARG = pg_catalog.int4, FUNCTION = evil.int4_op);
CREATE OPERATOR evil.> (LEFTARG = pg_catalog.int4, RIGHTARG = pg_catalog.int4, FUNCTION = evil.int4_op);
CREATE OPERATOR evil.+ (LEFTARG = pg_catalog.int4, RIGHTARG = pg_catalog.int4, FUNCTION = evil.int4_add);
CREATE OPERATOR evil.= (LEFTARG = pg_catalog.text, RIGHTARG = pg_catalog.text, FUNCTION = evil.text_op);
CREATE OPERATOR evil.<> (LEFTARG = pg_catalog.text, RIGHTARG = pg_catalog.text, FUNCTION = evil.text_op);
CREATE OPERATOR evil.= (LEFTARG = pg_catalog."char", RIGHTARG = pg_catalog."char", FUNCTION = evil.char_op);
CREATE OPERATOR evil.<> (LEFTARG = pg_catalog."char", RIGHTARG = pg_catalog."char", FUNCTION = evil.char_op);
CREATE OPERATOR evil.= (LEFTARG = pg_catalog.oid, RIGHTARG = pg_catalog.oid, FUNCTION = evil.oid_op);
CREATE OPERATOR evil.= (LEFTARG = pg_catalog.name, RIGHTARG = pg_catalog.text, FUNCTION = evil.name_text_op);

-- types: a cast to one of these domains runs its check
CREATE DOMAIN evil.text AS pg_catalog.text CHECK (evil.note('domain text'));
CREATE DOMAIN evil.int4 AS pg_catalog.int4 CHECK (evil.note('domain int4'));
CREATE DOMAIN evil.int8 AS pg_catalog.int8 CHECK (evil.note('domain int8'));
CREATE DOMAIN evil.bool AS pg_catalog.bool CHECK (evil.note('domain bool'));
CREATE DOMAIN evil."char" AS pg_catalog."char" CHECK (evil.note('domain "char"'));
CREATE DOMAIN evil.regclass AS pg_catalog.regclass CHECK (evil.note('domain regclass'));
CREATE DOMAIN evil.jsonb AS pg_catalog.jsonb CHECK (evil.note('domain jsonb'));

SET search_path = evil, pg_catalog, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/hostile_path';
SET pg_migrate.schema = 'sp15';

-- what apply would run: the engine's own statements are qualified too
SELECT seq, script, statement FROM public.migrate_plan();
SELECT version, state FROM public.migrate_info();
-- the apply worker (creates the history table), then the caller's transaction
SELECT version, state FROM public.migrate_apply(target => '1');
SELECT version, state FROM public.migrate_apply(target => '2', single_transaction => true);
SELECT version, type, state FROM public.migrate_undo();
SELECT count(*) FROM public.migrate_plan(undo => true);
-- repair: a changed checksum and a failed row
RESET search_path;
UPDATE sp15.flyway_schema_history SET checksum = 42 WHERE version = '1';
INSERT INTO sp15.flyway_schema_history
  (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
VALUES (10, '3', 'Three', 'SQL', 'V3__Three.sql', 0, 'someone', 0, false);
SET search_path = evil, pg_catalog, public;
SELECT action, version FROM public.migrate_repair() ORDER BY 1, 2;
SELECT version, state FROM public.migrate_apply();
SELECT public.migrate_validate();
SELECT version, type, state FROM public.migrate_info();
-- baseline, in a history table of the first schema on the path
RESET pg_migrate.schema;
SET pg_migrate."table" = 'sp15_baseline_history';
SELECT * FROM public.migrate_baseline();
SELECT version, type, state FROM public.migrate_info();
RESET pg_migrate."table";
-- remote locations without a network: a failed sync, its status, a never-synced location
SET pg_migrate.locations = 'https://127.0.0.1:1/releases/';
SET pg_migrate.fetch_retries = 0;
SET client_min_messages = error;
SELECT location, status FROM public.migrate_sync();
SET client_min_messages = warning;
SELECT location, release, last_error IS NOT NULL AS failed FROM public.migrate_sync_status();
SET pg_migrate.sync_on_apply = off;
SELECT count(*) FROM public.migrate_info();
RESET pg_migrate.sync_on_apply;
RESET pg_migrate.fetch_retries;

RESET search_path;
-- nothing of evil ran
SELECT what, count(*) FROM public.evil_calls GROUP BY what ORDER BY what;
-- the history tables' default is pg_catalog's now(), shown qualified where evil.now() would shadow it
SET search_path = evil, pg_catalog;
SELECT n.nspname, c.relname, pg_catalog.pg_get_expr(a.adbin, a.adrelid) AS installed_on_default
  FROM pg_catalog.pg_attrdef a
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.adrelid
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
 WHERE n.nspname OPERATOR(pg_catalog.=) ANY ('{sp15,evil}'::pg_catalog.name[])
 ORDER BY 1, 2;
RESET search_path;

RESET pg_migrate.locations;
DROP SCHEMA evil CASCADE;
DROP SCHEMA sp15 CASCADE;
DROP TABLE public.evil_calls;
DELETE FROM pg_migrate_sync_status;
