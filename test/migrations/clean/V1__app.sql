-- one object of every kind clean drops, in the first schema (cl_app, first
-- on the search_path), two with names that would be SQL if not quoted
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE TYPE pair AS (a integer, b text);
CREATE TYPE span AS RANGE (subtype = float8);
CREATE TYPE later;
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE SEQUENCE counter;
CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, feeling mood, qty posint);
CREATE TABLE parted (id integer, at date) PARTITION BY RANGE (at);
CREATE TABLE parted_2026 PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE VIEW item_names AS SELECT name FROM items;
CREATE MATERIALIZED VIEW item_count AS SELECT count(*) AS n FROM items;
CREATE FUNCTION add_one(i integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT i + 1';
CREATE FUNCTION add_one(p pair) RETURNS integer LANGUAGE sql AS 'SELECT p.a + 1';
CREATE PROCEDURE touch(INOUT n integer) LANGUAGE plpgsql AS $$BEGIN n := n + 1; END$$;
CREATE AGGREGATE total(integer) (sfunc = int4pl, stype = integer);
CREATE OPERATOR !! (RIGHTARG = integer, FUNCTION = add_one);
CREATE OPERATOR FAMILY fam USING btree;
CREATE TEXT SEARCH CONFIGURATION plain (COPY = pg_catalog.simple);
CREATE COLLATION c_copy FROM "C";
CREATE STATISTICS item_stats ON id, name FROM items;
CREATE TABLE "x""; DROP TABLE public.clean_keep; --" (a integer);
CREATE FUNCTION "f'); DROP TABLE public.clean_keep; --"("x""; DROP TABLE public.clean_keep; --")
  RETURNS integer LANGUAGE sql AS 'SELECT 1';
INSERT INTO items (name, feeling, qty) VALUES ('one', 'ok', 1);
