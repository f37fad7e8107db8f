-- fails for version 2 only: the migration it runs with is rolled back too
INSERT INTO cbf_log (event) VALUES ('afterEachMigrate');
SELECT 1 / (SELECT count(*) - 2 FROM cbf_log WHERE event = 'afterEachMigrate');
