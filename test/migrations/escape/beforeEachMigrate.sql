CREATE TABLE IF NOT EXISTS e22_cb (seen text);
INSERT INTO e22_cb VALUES ('beforeEachMigrate');
