INSERT INTO r20_lock VALUES ('2');
SELECT pg_advisory_unlock_all();
