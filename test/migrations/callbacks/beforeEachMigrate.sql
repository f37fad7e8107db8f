INSERT INTO cb_log (event) VALUES ('beforeEachMigrate');
