-- moves the history table away, then fails: the failure cannot be recorded
ALTER TABLE flyway_schema_history RENAME TO e19_history_moved;
SELECT 1 / 0;
