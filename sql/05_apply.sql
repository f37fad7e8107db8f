-- migrate_apply(): per-migration transactions, failures, targets, out of
-- order, repeatables, single_transaction, non-transactional statements.
SET client_min_messages = warning;
\set VERBOSITY default
CREATE SCHEMA a05;
SET search_path = a05, public;

-- a failing migration: error names script and line (of the failing part of
-- the statement), keeps the SQLSTATE; earlier migrations stay applied;
-- nothing of the failed one remains
\! rm -rf /tmp/pg_migrate_regress/a05_fail && cp -R /tmp/pg_migrate_regress/apply_fail /tmp/pg_migrate_regress/a05_fail && chmod -R a+rwX /tmp/pg_migrate_regress/a05_fail
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/a05_fail';
CREATE SCHEMA a05_fail;
SET search_path = a05_fail, public;
SELECT version, description, state FROM migrate_apply();
\set VERBOSITY sqlstate
SELECT version, description, state FROM migrate_apply();
\set VERBOSITY default
SELECT installed_rank, version, success FROM a05_fail.flyway_schema_history ORDER BY 1;
SELECT * FROM a05_t ORDER BY id;
SELECT to_regclass('a05_partial') IS NULL AS no_partial_table;
SELECT version, state FROM migrate_info();
-- fix the script; the next call carries on
\! cp /tmp/pg_migrate_regress/apply_fail_fixed/V3__Fail.sql /tmp/pg_migrate_regress/a05_fail/V3__Fail.sql && chmod a+r /tmp/pg_migrate_regress/a05_fail/V3__Fail.sql
SELECT version, description, state FROM migrate_apply();
SELECT * FROM a05_t ORDER BY id;
SELECT installed_rank, version, success FROM a05_fail.flyway_schema_history ORDER BY 1;

-- a syntax error in V2: the right line, and (fail fast) nothing ran, not even V1
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/apply_syntax';
CREATE SCHEMA a05_syntax;
SET search_path = a05_syntax, public;
SELECT version, description, state FROM migrate_apply();
SELECT to_regclass('a05_s0') IS NULL AS v1_not_run, to_regclass('a05_s1') IS NULL AS v2_not_run;
SELECT installed_rank, version, success FROM a05_syntax.flyway_schema_history ORDER BY 1;

-- targets
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/apply_target';
CREATE SCHEMA a05_target;
SET search_path = a05_target, public;
SELECT version, state FROM migrate_info(target => '2');
SELECT version, state FROM migrate_apply(target => '2');
SELECT version, state FROM migrate_apply(target => 'current');
SELECT version, state FROM migrate_apply(target => 'next');
SELECT version, state FROM migrate_apply(target => '9');
SELECT version, state FROM migrate_apply(target => '4.5?');
SELECT version, state FROM migrate_apply(target => 'abc');
SELECT version, state FROM migrate_apply(target => '');
SELECT version, state FROM migrate_apply(target => 'LATEST');
SELECT v FROM a05_target;

-- out of order
\! rm -rf /tmp/pg_migrate_regress/a05_ooo && cp -R /tmp/pg_migrate_regress/apply_ooo /tmp/pg_migrate_regress/a05_ooo && chmod -R a+rwX /tmp/pg_migrate_regress/a05_ooo
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/a05_ooo';
CREATE SCHEMA a05_ooo;
SET search_path = a05_ooo, public;
SELECT version, state FROM migrate_apply();
\! printf "INSERT INTO a05_ooo VALUES ('2');\n" > /tmp/pg_migrate_regress/a05_ooo/V2__Late.sql && chmod a+r /tmp/pg_migrate_regress/a05_ooo/V2__Late.sql
SELECT version, state FROM migrate_info();
SELECT version, state FROM migrate_apply();
SELECT version, state FROM migrate_apply(out_of_order => false);
SELECT version, state FROM migrate_apply(out_of_order => true);
SELECT version, state FROM migrate_info();
SELECT v FROM a05_ooo;
-- the setting does the same
\! printf "INSERT INTO a05_ooo VALUES ('1.5');\n" > /tmp/pg_migrate_regress/a05_ooo/V1.5__Later.sql && chmod a+r /tmp/pg_migrate_regress/a05_ooo/V1.5__Later.sql
SET pg_migrate.out_of_order = on;
SELECT version, state FROM migrate_info();
SELECT version, state FROM migrate_apply();
RESET pg_migrate.out_of_order;
SELECT installed_rank, version, success FROM a05_ooo.flyway_schema_history ORDER BY 1;

-- default mode cannot run inside a transaction block
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/apply_single';
CREATE SCHEMA a05_single;
SET search_path = a05_single, public;
BEGIN;
SELECT version, state FROM migrate_apply();
ROLLBACK;
-- single_transaction => true inside the caller's transaction: a rehearsal
BEGIN;
SELECT version, description, state FROM migrate_apply(single_transaction => true);
SELECT * FROM a05_single;
SELECT installed_rank, version, success FROM a05_single.flyway_schema_history ORDER BY 1;
ROLLBACK;
SELECT to_regclass('a05_single') IS NULL AS no_table, to_regclass('a05_single.flyway_schema_history') IS NULL AS no_history;
-- and outside one
SELECT version, description, state FROM migrate_apply(single_transaction => true);
SELECT * FROM a05_single;
SELECT installed_rank, version, installed_by = current_user AS by_me, success FROM a05_single.flyway_schema_history ORDER BY 1;
-- a failure in single_transaction mode: nothing at all is applied
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/apply_single_fail';
CREATE SCHEMA a05_single_fail;
SET search_path = a05_single_fail, public;
SELECT version, state FROM migrate_apply(single_transaction => true);
SELECT to_regclass('a05_single_fail') IS NULL AS no_table, to_regclass('a05_single_fail.flyway_schema_history') IS NULL AS no_history;

-- CREATE INDEX CONCURRENTLY runs outside a transaction in default mode
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/nontx';
CREATE SCHEMA a05_nontx;
SET search_path = a05_nontx, public;
SELECT version, description, state FROM migrate_apply();
SELECT indexrelid::regclass, indisvalid FROM pg_index WHERE indrelid = 'a05_n'::regclass;
SELECT installed_rank, version, success FROM a05_nontx.flyway_schema_history ORDER BY 1;
-- ... and is refused in single_transaction mode, with nothing applied
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/nontx_single';
CREATE SCHEMA a05_nontx_single;
SET search_path = a05_nontx_single, public;
SELECT version, state FROM migrate_apply(single_transaction => true);
SELECT to_regclass('a05_ns') IS NULL AS no_table;
-- a script mixing both kinds of statements
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/mixed';
CREATE SCHEMA a05_mixed;
SET search_path = a05_mixed, public;
SELECT version, state FROM migrate_apply();
SELECT to_regclass('a05_m') IS NULL AS no_table;

-- a script with its own BEGIN; ... COMMIT;
SET pg_migrate.locations = 'filesystem:/tmp/pg_migrate_regress/owntx';
CREATE SCHEMA a05_owntx;
SET search_path = a05_owntx, public;
SELECT version, description, state FROM migrate_apply();
SELECT * FROM a05_o ORDER BY id;
SELECT installed_rank, version, success FROM a05_owntx.flyway_schema_history ORDER BY 1;

RESET pg_migrate.locations;
RESET search_path;
DROP SCHEMA a05 CASCADE;
DROP SCHEMA a05_fail CASCADE;
DROP SCHEMA a05_syntax CASCADE;
DROP SCHEMA a05_target CASCADE;
DROP SCHEMA a05_ooo CASCADE;
DROP SCHEMA a05_single CASCADE;
DROP SCHEMA a05_single_fail CASCADE;
DROP SCHEMA a05_nontx CASCADE;
DROP SCHEMA a05_nontx_single CASCADE;
DROP SCHEMA a05_mixed CASCADE;
DROP SCHEMA a05_owntx CASCADE;

