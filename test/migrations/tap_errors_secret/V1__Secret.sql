DO $$ BEGIN RAISE WARNING 'connecting with %', '${db_password}'; END $$;
-- waits for the test's lock, so pg_stat_activity can be read
SELECT '${db_password}' AS waits FROM e64_lock.e64_locked;
SELECT '${db_password}'::int;
