-- everything a migration can leave behind for the next one
SET session_replication_role = replica;
SET default_tablespace = regress_pgm_space;
SET temp_tablespaces = regress_pgm_space;
SET default_table_access_method = regress_pgm_heap;
SET row_security = off;
-- SET LOCAL too: in the caller's transaction it would last to V3
SET LOCAL check_function_bodies = off;
SET pg_migrate.mixed = on;
SET pg_migrate.placeholder_replacement = off;
SET pg_migrate.installed_by = 'regress_pgm_someone';
SET search_path = pg_catalog;
SET SESSION AUTHORIZATION regress_pgm_bob;
