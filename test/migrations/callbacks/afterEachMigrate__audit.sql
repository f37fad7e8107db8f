INSERT INTO cb_log (event) VALUES ('afterEachMigrate__audit ${flyway:filename}');
