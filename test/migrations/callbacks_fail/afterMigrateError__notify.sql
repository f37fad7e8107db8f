INSERT INTO cbf_log (event) VALUES ('afterMigrateError__notify');
