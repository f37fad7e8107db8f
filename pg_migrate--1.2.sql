/* pg_migrate--1.2.sql */

-- The whole of extension version 1.2, for CREATE EXTENSION.  An older
-- installation reaches the same objects through the update scripts
-- (pg_migrate--1.0--1.1.sql, then pg_migrate--1.1--1.2.sql; t/099_upgrade.pl
-- compares them): a change here goes into an upgrade script too.

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

-- "flyway clean", refused while pg_migrate.clean_disabled is on (its
-- default): drops every object of the managed schemas but the extensions'
-- own, and the schemas a migrate created; one row per object dropped.
CREATE FUNCTION @extschema@.migrate_clean()
RETURNS TABLE (
	schema text,
	object_type text,
	name text)
AS 'MODULE_PATHNAME', 'migrate_clean'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

REVOKE ALL ON FUNCTION @extschema@.migrate_apply(text, jsonb, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_undo(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_plan(text, jsonb, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_info(text, jsonb, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_validate(text, jsonb, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_baseline(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_repair(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_clean() FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Remote locations (https://, s3://): see sync.c and docs/reference.md.
--
-- The scripts of the release kept for each remote location.  Only the
-- extension's C code reads and writes them (as the extension owner); nobody
-- else is granted anything.  content is bytea: the bytes exactly as
-- published, whatever the database encoding (checksum and sha256 are of
-- these bytes).  The rows are dumped by pg_dump (pg_extension_config_dump):
-- a restored database keeps the release its history was applied from, so
-- migrate_info() and migrate_apply() work before the first sync reaches the
-- publisher.
CREATE TABLE @extschema@.pg_migrate_fetched_scripts (
	location text NOT NULL,
	path text NOT NULL,
	content bytea NOT NULL,
	checksum integer NOT NULL,
	sha256 text NOT NULL,
	size bigint NOT NULL,
	etag text,
	fetched_at timestamptz NOT NULL,
	release text NOT NULL,
	PRIMARY KEY (location, path));

-- Sync status per remote location of this database.  Not dumped: it
-- describes this server's last attempts, and without a manifest ETag the
-- first sync after a restore simply reads the manifest again.
CREATE TABLE @extschema@.pg_migrate_sync_status (
	location text PRIMARY KEY,
	release text,
	manifest_etag text,
	files integer,
	last_attempt timestamptz,
	last_success timestamptz,
	last_change timestamptz,
	last_error text);

-- Checksums of the filesystem scripts, valid while a file's identity
-- (device, inode, size, modification and change times) is unchanged: a
-- deploy's first migrate_apply() then stats the files instead of reading
-- them all.  Written by the apply worker, read as the extension owner; a
-- cache, so not dumped.
CREATE TABLE @extschema@.pg_migrate_checksums (
	path text PRIMARY KEY,
	dev bigint NOT NULL,
	ino bigint NOT NULL,
	size bigint NOT NULL,
	mtime_ns bigint NOT NULL,
	ctime_ns bigint NOT NULL,
	checksum integer NOT NULL);

REVOKE ALL ON TABLE @extschema@.pg_migrate_checksums FROM PUBLIC;
REVOKE ALL ON TABLE @extschema@.pg_migrate_fetched_scripts FROM PUBLIC;
REVOKE ALL ON TABLE @extschema@.pg_migrate_sync_status FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.pg_migrate_fetched_scripts', '');

CREATE FUNCTION @extschema@.migrate_sync()
RETURNS TABLE (
	location text,
	status text,
	release text,
	previous_release text,
	added integer,
	changed integer,
	removed integer,
	downloaded integer,
	error text)
AS 'MODULE_PATHNAME', 'migrate_sync'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

-- C, as every other function: it refuses to run inside a migration
-- (reentry.c) and reads the status table as the extension owner, so a role
-- granted it needs no privilege on the table.
CREATE FUNCTION @extschema@.migrate_sync_status()
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

REVOKE ALL ON FUNCTION @extschema@.migrate_sync() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_sync_status() FROM PUBLIC;
