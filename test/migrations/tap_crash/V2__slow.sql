CREATE TABLE slow_t (id int);
INSERT INTO slow_t VALUES (1);
-- long enough to be killed while it runs; ${sleep} is 0 on the rerun
SELECT pg_sleep(${sleep});
