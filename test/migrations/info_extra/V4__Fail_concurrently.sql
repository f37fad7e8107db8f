-- fails outside a transaction: leaves a failed row
CREATE INDEX CONCURRENTLY i06_idx ON i06_missing (v);
