/* pg_migrate--1.0--1.1.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '1.1'" to load this file. \quit

-- ALTER EXTENSION pg_migrate UPDATE: from 1.0 to the objects of
-- pg_migrate--1.1.sql, which t/099_upgrade.pl checks are the same.  Add the
-- other changes of 1.1 below, each as its own step: a new object with plain
-- CREATE and its REVOKE ... FROM PUBLIC, as in pg_migrate--1.1.sql.

-- migrate_sync_status() becomes a C function (it was LANGUAGE sql), so it
-- refuses to run inside a migration as every other function does.  Same
-- signature and result columns; it no longer needs SECURITY DEFINER nor a
-- pinned search_path: the C code reads the table as the extension owner.
--
-- CREATE OR REPLACE rather than DROP and CREATE: it keeps the function's
-- oid, so the EXECUTE a DBA granted to a monitoring role stays (and is still
-- dumped: pg_init_privs keeps 1.0's ACL), and a view over the function
-- does not make the update fail.  This is the one use of OR REPLACE that
-- PostgreSQL's rules for extension scripts allow (CVE-2022-2625, "Security
-- Considerations for Extension Scripts"): the function is known to be a
-- member of this extension, created by pg_migrate--1.0.sql, and since the
-- 2022 fix CREATE OR REPLACE in an extension script fails instead of
-- taking over a function that is not its member.
CREATE OR REPLACE FUNCTION @extschema@.migrate_sync_status()
RETURNS TABLE (
	database name,
	location text,
	release text,
	files integer,
	last_attempt timestamptz,
	last_success timestamptz,
	last_change timestamptz,
	last_error text)
AS 'MODULE_PATHNAME', 'migrate_sync_status'
LANGUAGE C STABLE PARALLEL UNSAFE;

-- No REVOKE here: the replaced function keeps 1.0's ACL (revoked from
-- PUBLIC), and a GRANT or REVOKE in an extension script records the whole
-- current ACL as the extension's initial privileges, so a DBA's GRANT would
-- stop being dumped.  New functions of 1.1 get their REVOKE ... FROM PUBLIC.
