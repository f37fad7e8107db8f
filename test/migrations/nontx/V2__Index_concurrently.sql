-- cannot run in a transaction block
CREATE INDEX CONCURRENTLY a05_n_idx ON a05_n (id);
