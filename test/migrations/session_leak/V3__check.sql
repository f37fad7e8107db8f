INSERT INTO s21_seen VALUES ('3', current_user, session_user, current_setting('search_path'),
  current_setting('default_tablespace'), current_setting('temp_tablespaces'),
  current_setting('default_table_access_method'), current_setting('session_replication_role'),
  current_setting('row_security'), current_setting('check_function_bodies'),
  current_setting('pg_migrate.mixed'), current_setting('pg_migrate.placeholder_replacement'),
  current_setting('pg_migrate.installed_by'));
INSERT INTO s21_t VALUES (3);
CREATE TABLE s21_made (id int);
