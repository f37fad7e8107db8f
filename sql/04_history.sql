-- The history table: Flyway's DDL and rows, adoption of an existing table,
-- a schema that does not exist yet, migrations that touch the history,
-- session settings honoured by the worker.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA h04;
SET search_path = h04, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/history';

SELECT version, description, type, script, checksum, state FROM migrate_apply();

-- Flyway's DDL, column by column
SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
  FROM information_schema.columns
 WHERE table_schema = 'h04' AND table_name = 'flyway_schema_history'
 ORDER BY ordinal_position;
SELECT conname, contype, pg_get_constraintdef(oid)
  FROM pg_constraint WHERE conrelid = 'h04.flyway_schema_history'::regclass ORDER BY conname;
SELECT indexname, indexdef FROM pg_indexes
 WHERE schemaname = 'h04' AND tablename = 'flyway_schema_history' ORDER BY indexname;

-- rows
SELECT installed_rank, version, description, type, script, checksum,
       installed_by = current_user AS by_me, execution_time >= 0 AS timed,
       installed_on <= now()::timestamp AS on_ok, success
  FROM h04.flyway_schema_history ORDER BY installed_rank;
-- V2 read the history while it ran (V1 was already there)
SELECT applied_before FROM h04_seen;
SELECT category, version, description, installed_by = current_user AS by_me, state FROM migrate_info();
SELECT migrate_validate();

-- session-level settings reach the worker: another table, installed_by
CREATE SCHEMA h04_session;
SET search_path = h04_session, public;
SET pg_migrate."table" = 'h04_custom_history';
SET pg_migrate.installed_by = 'deployer';
SELECT count(*) FROM migrate_apply(target => '1');
SELECT installed_rank, version, installed_by FROM h04_session.h04_custom_history ORDER BY 1;
RESET pg_migrate.installed_by;
RESET pg_migrate."table";
SET search_path = h04, public;

-- pg_migrate.schema naming a schema that does not exist: created, with a
-- SCHEMA marker row at rank 0
SET pg_migrate.schema = 'h04_new';
SELECT version, description, state FROM migrate_apply();
SELECT installed_rank, version, description, type, script, checksum, success
  FROM h04_new.flyway_schema_history ORDER BY installed_rank;
SELECT category, version, description, type, script, state FROM migrate_info();
-- objects of the migrations land in that schema (it comes first on the path)
SELECT relname FROM pg_class WHERE relnamespace = 'h04_new'::regnamespace AND relkind = 'r' ORDER BY 1;
RESET pg_migrate.schema;
DROP SCHEMA h04_new CASCADE;

-- adopting a history table that Flyway created under another name
CREATE SCHEMA h04_flyway;
SET search_path = h04_flyway, public;
CREATE TABLE "h04_flyway"."schema_version" (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL
);
ALTER TABLE "h04_flyway"."schema_version" ADD CONSTRAINT "schema_version_pk" PRIMARY KEY ("installed_rank");
CREATE INDEX "schema_version_s_idx" ON "h04_flyway"."schema_version" ("success");
CREATE TABLE h04_adopted (id int);
INSERT INTO h04_flyway.schema_version
  (installed_rank, version, description, type, script, checksum, installed_by, installed_on, execution_time, success)
VALUES (1, '1', 'Flyway did this', 'SQL', 'V1__Flyway_did_this.sql', 1037387494, 'flyway', '2020-01-01 00:00:00', 12, true);
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/history_adopt';
SET pg_migrate."table" = 'schema_version';
SELECT version, description, checksum, installed_on, installed_by, execution_time, state FROM migrate_info();
SELECT version, description, state FROM migrate_apply();
SELECT installed_rank, version, description, type, script, checksum, installed_by IN ('flyway', current_user) AS by_ok, success
  FROM h04_flyway.schema_version ORDER BY installed_rank;
SELECT * FROM h04_adopted;
-- no second history table appeared
SELECT relname FROM pg_class WHERE relnamespace = 'h04_flyway'::regnamespace AND relkind = 'r' ORDER BY 1;

RESET pg_migrate."table";
RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA h04 CASCADE;
DROP SCHEMA h04_session CASCADE;
DROP SCHEMA h04_flyway CASCADE;
