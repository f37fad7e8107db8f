CREATE TABLE slow_t (id int);
SELECT pg_sleep(10);
