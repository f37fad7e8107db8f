INSERT INTO cbf_log (event) VALUES ('afterEachMigrateError');
