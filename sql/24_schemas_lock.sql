-- Flyway's schemas (pg_migrate.schemas, createSchemas, the SCHEMA marker
-- row, the history table's tablespace) and the bounded lock wait
-- (pg_migrate.lock_retry_count, naming who holds the lock).
SET client_min_messages = warning;
\set VERBOSITY default
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/schemas_list';

-- a comma in pg_migrate.schema is refused (it would be one schema "a,b"):
-- a list goes in pg_migrate.schemas (the library loaded, so SET checks)
LOAD 'pg_migrate';
SET pg_migrate.schema = 'sl_app,sl_audit';
SHOW pg_migrate.schema;
SET pg_migrate.schemas = 'sl_app,,sl_audit';

-- the lock held by this session: the apply worker tries twice, a second
-- apart, then gives up (the detail names this session: its process id,
-- application and times, shown in test/client/t/097_schemas_lock.pl);
-- nothing is created
SET pg_migrate.schemas = 'sl_app, sl_audit';
SET pg_migrate.lock_retry_count = 1;
SELECT pg_advisory_lock(77429756908891);	-- "sl_app"."flyway_schema_history"
\set VERBOSITY terse
SELECT version, state FROM migrate_apply();
\set VERBOSITY default
SELECT count(*) FROM pg_namespace WHERE nspname IN ('sl_app', 'sl_audit');
SELECT pg_advisory_unlock(77429756908891);

-- every schema created with the history table in the first, under one
-- SCHEMA marker row listing them as Flyway writes it; scripts run with the
-- first on the search_path
SELECT version, state FROM migrate_apply();
SELECT installed_rank, version, description, type, script, checksum, success
  FROM sl_app.flyway_schema_history ORDER BY 1;
SELECT pg_catalog.to_regclass('sl_app.app_t') IS NOT NULL AS app_t_in_first, count(*) AS logged
  FROM sl_audit.log;

-- defaultSchema (pg_migrate.schema) holds the history table and is created
-- first though not listed; a baseline creates them too
SET pg_migrate.schema = 'sl_hist';
SET pg_migrate.schemas = 'sl_x, sl_hist, sl_y';
SELECT * FROM migrate_baseline('3');
SELECT installed_rank, version, description, type, script FROM sl_hist.flyway_schema_history ORDER BY 1;
SELECT count(*) FROM pg_namespace WHERE nspname IN ('sl_x', 'sl_y');

-- createSchemas off: a missing schema of the history table is refused,
-- nothing is created
SET pg_migrate.create_schemas = off;
SET pg_migrate.schema = 'sl_none';
SET pg_migrate.schemas = 'sl_none, sl_none2';
SELECT * FROM migrate_baseline();
SELECT * FROM migrate_apply(single_transaction => true);
SELECT count(*) FROM pg_namespace WHERE nspname IN ('sl_none', 'sl_none2');
-- ... and with the history schema there, the others are left to the scripts
CREATE SCHEMA sl_none;
SELECT * FROM migrate_baseline();
SELECT installed_rank, type, script FROM sl_none.flyway_schema_history ORDER BY 1;
SELECT count(*) FROM pg_namespace WHERE nspname = 'sl_none2';
RESET pg_migrate.create_schemas;

-- the history table in pg_migrate.tablespace: a missing one fails the
-- creation and leaves nothing; an existing one holds the table
SET pg_migrate.schema = 'sl_ts';
RESET pg_migrate.schemas;
SET pg_migrate.tablespace = 'sl_no_such_space';
SELECT * FROM migrate_baseline();
SELECT count(*) FROM pg_namespace WHERE nspname = 'sl_ts';
SET allow_in_place_tablespaces = on;
CREATE TABLESPACE sl_space LOCATION '';
SET pg_migrate.tablespace = 'sl_space';
SELECT * FROM migrate_baseline();
SELECT t.spcname FROM pg_class c JOIN pg_tablespace t ON t.oid = c.reltablespace
 WHERE c.oid = 'sl_ts.flyway_schema_history'::regclass;

-- a temporary schema among pg_migrate.schemas is refused as the history's
-- is, when the history table would be created; nothing is
RESET pg_migrate.tablespace;
SET pg_migrate.schema = 'sl_tmp_h';
SET pg_migrate.schemas = 'sl_tmp_h, pg_temp';
SELECT version, state FROM migrate_apply(single_transaction => true);
SELECT count(*) FROM pg_namespace WHERE nspname = 'sl_tmp_h';
RESET pg_migrate.schemas;

-- clean up
RESET pg_migrate.schema;
RESET pg_migrate.lock_retry_count;
DROP SCHEMA sl_app, sl_audit, sl_hist, sl_x, sl_y, sl_none, sl_ts CASCADE;
DROP TABLESPACE sl_space;
