/* pg_migrate--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION pg_migrate" to load this file. \quit

-- Plain CREATE only (CVE-2022-2625): a pre-existing object of the same name
-- makes CREATE EXTENSION fail instead of being taken over.  The functions
-- land in the schema given to CREATE EXTENSION (default: the first schema on
-- the search_path), so "SELECT migrate_apply()" works unqualified.

CREATE FUNCTION @extschema@.migrate_apply(
	target text DEFAULT NULL,
	placeholders jsonb DEFAULT NULL,
	single_transaction boolean DEFAULT false,
	out_of_order boolean DEFAULT NULL)
RETURNS TABLE (
	version text,
	description text,
	type text,
	script text,
	checksum integer,
	execution_time integer,
	state text)
AS 'MODULE_PATHNAME', 'migrate_apply'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.migrate_info(
	target text DEFAULT NULL,
	placeholders jsonb DEFAULT NULL,
	out_of_order boolean DEFAULT NULL)
RETURNS TABLE (
	category text,
	version text,
	description text,
	type text,
	script text,
	checksum integer,
	installed_on timestamp,
	installed_by text,
	execution_time integer,
	state text)
AS 'MODULE_PATHNAME', 'migrate_info'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.migrate_validate(
	target text DEFAULT NULL,
	placeholders jsonb DEFAULT NULL,
	out_of_order boolean DEFAULT NULL)
RETURNS integer
AS 'MODULE_PATHNAME', 'migrate_validate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.migrate_baseline(
	version text DEFAULT NULL,
	description text DEFAULT NULL)
RETURNS TABLE (
	installed_rank integer,
	version text,
	description text)
AS 'MODULE_PATHNAME', 'migrate_baseline'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.migrate_repair(
	placeholders jsonb DEFAULT NULL)
RETURNS TABLE (
	action text,
	installed_rank integer,
	version text,
	description text,
	script text)
AS 'MODULE_PATHNAME', 'migrate_repair'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- Nothing runs for PUBLIC: a DBA grants EXECUTE to the role that migrates.
CREATE FUNCTION @extschema@.migrate_undo(
	target text DEFAULT NULL,
	placeholders jsonb DEFAULT NULL)
RETURNS TABLE (
	version text,
	description text,
	type text,
	script text,
	checksum integer,
	execution_time integer,
	state text)
AS 'MODULE_PATHNAME', 'migrate_undo'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.migrate_plan(
	target text DEFAULT NULL,
	placeholders jsonb DEFAULT NULL,
	undo boolean DEFAULT false)
RETURNS TABLE (
	seq integer,
	script text,
	line integer,
	statement text)
AS 'MODULE_PATHNAME', 'migrate_plan'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

REVOKE ALL ON FUNCTION @extschema@.migrate_apply(text, jsonb, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_undo(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_plan(text, jsonb, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_info(text, jsonb, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_validate(text, jsonb, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_baseline(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_repair(jsonb) FROM PUBLIC;
