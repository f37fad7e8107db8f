INSERT INTO iso_conc.a VALUES (1, 'once');
-- keeps the lock long enough for the other callers to queue up
SELECT pg_sleep(1);
