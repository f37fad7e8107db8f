-- fails on the duplicate, leaving an invalid index behind
CREATE UNIQUE INDEX CONCURRENTLY e64_v_key ON e64 (v);
