-- cannot run in a transaction block
CREATE INDEX CONCURRENTLY a05_ns_idx ON a05_ns (id);
