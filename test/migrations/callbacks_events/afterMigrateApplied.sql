INSERT INTO cb23_log (event) VALUES ('afterMigrateApplied');
