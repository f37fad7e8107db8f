-- runs outside a transaction: it must not run when its version cannot be recorded
CREATE INDEX CONCURRENTLY e19_first_idx ON e19_first (id);
