-- The history table is read and written as its owner, under a
-- security-restricted operation.  A deployer (CREATE on the schema, EXECUTE
-- on the functions) who creates the table with a trigger, a default, a check
-- constraint, an index expression, a rule and a policy that make it a
-- superuser when a superuser runs them: every function migrates as the
-- superuser, and all that code runs as the deployer, who stays what it was.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE ROLE regress_pgm_hdeployer;
CREATE ROLE regress_pgm_hother;
CREATE SCHEMA ho11;
GRANT USAGE, CREATE ON SCHEMA ho11 TO regress_pgm_hdeployer, regress_pgm_hother;
GRANT EXECUTE ON FUNCTION migrate_info(text, jsonb, boolean),
                          migrate_apply(text, jsonb, boolean, boolean)
   TO regress_pgm_hother;

SET ROLE regress_pgm_hdeployer;
CREATE TABLE ho11.calls (what text, who name);
GRANT INSERT ON ho11.calls TO PUBLIC;
-- records who runs it, and makes the deployer a superuser if that is one
CREATE FUNCTION ho11.called(what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ho11.calls VALUES (what, current_user);
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    ALTER ROLE regress_pgm_hdeployer SUPERUSER;
  END IF;
  RETURN true;
END $$;
CREATE FUNCTION ho11.on_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ho11.called('trigger ' || TG_OP);
  -- a setting changed for the rest of the caller's session
  PERFORM pg_catalog.set_config('application_name', 'set by a history trigger', false);
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$;
CREATE FUNCTION ho11.stamp() RETURNS timestamp LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ho11.called('default');
  RETURN pg_catalog.now();
END $$;
CREATE FUNCTION ho11.idx(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  PERFORM ho11.called('index expression');
  RETURN $1;
END $$;
-- Flyway's DDL, then everything a table can carry
CREATE FUNCTION ho11.trap(tbl text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE pg_catalog.format($$CREATE TABLE ho11.%I (
    "installed_rank" INT NOT NULL,
    "version" VARCHAR(50),
    "description" VARCHAR(200) NOT NULL,
    "type" VARCHAR(20) NOT NULL,
    "script" VARCHAR(1000) NOT NULL,
    "checksum" INTEGER,
    "installed_by" VARCHAR(100) NOT NULL,
    "installed_on" TIMESTAMP NOT NULL DEFAULT ho11.stamp(),
    "execution_time" INTEGER NOT NULL,
    "success" BOOLEAN NOT NULL,
    CHECK (ho11.called('check constraint')))$$, tbl);
  EXECUTE pg_catalog.format('ALTER TABLE ho11.%I ADD PRIMARY KEY (installed_rank)', tbl);
  EXECUTE pg_catalog.format('CREATE INDEX ON ho11.%I (ho11.idx(installed_rank))', tbl);
  EXECUTE pg_catalog.format('CREATE TRIGGER escalate BEFORE INSERT OR UPDATE OR DELETE ON ho11.%I
                             FOR EACH ROW EXECUTE FUNCTION ho11.on_row()', tbl);
  EXECUTE pg_catalog.format('CREATE RULE also_log AS ON INSERT TO ho11.%I
                             DO ALSO INSERT INTO ho11.calls VALUES (''rule'', current_user)', tbl);
  EXECUTE pg_catalog.format('ALTER TABLE ho11.%I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE pg_catalog.format('CREATE POLICY everything ON ho11.%I USING (ho11.called(''policy''))
                             WITH CHECK (ho11.called(''policy check''))', tbl);
END $f$;
SELECT ho11.trap('flyway_schema_history');
SELECT ho11.trap('baseline_history');
GRANT SELECT ON ho11.flyway_schema_history TO regress_pgm_hother;
RESET ROLE;
SELECT count(*) AS nothing_ran_yet FROM ho11.calls;

SET search_path = ho11, public;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/history_owner';

-- apply, one migration per transaction (the apply worker)
SELECT version, state FROM migrate_apply(target => '1');
SELECT DISTINCT what, who FROM ho11.calls ORDER BY 1, 2;
TRUNCATE ho11.calls;
-- apply in the caller's transaction; the trigger's setting did not outlive it
SELECT version, state FROM migrate_apply(target => '2', single_transaction => true);
SELECT current_setting('application_name') <> 'set by a history trigger' AS setting_kept;
SELECT DISTINCT what, who FROM ho11.calls ORDER BY 1, 2;
TRUNCATE ho11.calls;
-- reads
SELECT version, state FROM migrate_info();
SELECT DISTINCT what, who FROM ho11.calls ORDER BY 1, 2;
TRUNCATE ho11.calls;
SELECT count(*) > 0 AS planned FROM migrate_plan();
SELECT DISTINCT what, who FROM ho11.calls ORDER BY 1, 2;
TRUNCATE ho11.calls;
-- undo (the apply worker)
SELECT version, type, state FROM migrate_undo();
SELECT DISTINCT what, who FROM ho11.calls ORDER BY 1, 2;
TRUNCATE ho11.calls;
-- repair: the deployer changed a checksum and added a failed row
SET ROLE regress_pgm_hdeployer;
UPDATE ho11.flyway_schema_history SET checksum = 42 WHERE version = '1';
INSERT INTO ho11.flyway_schema_history
  (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
VALUES (10, '3', 'Three', 'SQL', 'V3__Three.sql', 0, 'someone', 0, false);
RESET ROLE;
TRUNCATE ho11.calls;
SELECT action, version FROM migrate_repair() ORDER BY 1, 2;
SELECT DISTINCT what, who FROM ho11.calls ORDER BY 1, 2;
TRUNCATE ho11.calls;

-- another role, not the owner: its reads run the owner's policy as the owner,
-- and it writes only with the privileges it holds (SELECT here)
SET ROLE regress_pgm_hother;
SELECT count(*) FROM migrate_info();
SELECT version, state FROM migrate_apply(single_transaction => true);
RESET ROLE;
SELECT DISTINCT what, who FROM ho11.calls ORDER BY 1, 2;
TRUNCATE ho11.calls;

SELECT version, state FROM migrate_apply();
SELECT migrate_validate();
SELECT DISTINCT what, who FROM ho11.calls ORDER BY 1, 2;
TRUNCATE ho11.calls;
-- baseline, into the deployer's other table
SET pg_migrate."table" = 'baseline_history';
SELECT * FROM migrate_baseline();
SELECT DISTINCT what, who FROM ho11.calls ORDER BY 1, 2;
TRUNCATE ho11.calls;

-- a deferred trigger would fire at COMMIT, after the switch back: refused
SET ROLE regress_pgm_hdeployer;
CREATE TABLE ho11.deferred_history (
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
CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON ho11.deferred_history
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ho11.on_row();
RESET ROLE;
SET pg_migrate."table" = 'deferred_history';
SELECT * FROM migrate_baseline();
SELECT count(*) AS deferred_rows FROM ho11.deferred_history;
RESET pg_migrate."table";

-- after all that, the deployer is what it was
SELECT DISTINCT what, who FROM ho11.calls ORDER BY 1, 2;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_pgm_hdeployer';
SELECT installed_rank, version, type, installed_by = current_user AS by_me, success
  FROM ho11.flyway_schema_history ORDER BY 1;

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA ho11 CASCADE;
REVOKE EXECUTE ON FUNCTION migrate_info(text, jsonb, boolean),
                           migrate_apply(text, jsonb, boolean, boolean)
    FROM regress_pgm_hother;
DROP ROLE regress_pgm_hdeployer;
DROP ROLE regress_pgm_hother;
