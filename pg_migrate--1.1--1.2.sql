/* pg_migrate--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '1.2'" to load this file. \quit

-- ALTER EXTENSION pg_migrate UPDATE: from 1.1 to the objects of
-- pg_migrate--1.2.sql, which t/099_upgrade.pl checks are the same.  Each new
-- object with plain CREATE and its REVOKE ... FROM PUBLIC, as there
-- (CVE-2022-2625: a pre-existing object of the same name makes the update
-- fail instead of being taken over).

-- "flyway clean", refused while pg_migrate.clean_disabled is on.
CREATE FUNCTION @extschema@.migrate_clean()
RETURNS TABLE (
	schema text,
	object_type text,
	name text)
AS 'MODULE_PATHNAME', 'migrate_clean'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

REVOKE ALL ON FUNCTION @extschema@.migrate_clean() FROM PUBLIC;
