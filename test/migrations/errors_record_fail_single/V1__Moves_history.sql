ALTER TABLE flyway_schema_history RENAME TO e19_history_moved;
