INSERT INTO cb_log (event) VALUES ('afterMigrate');
