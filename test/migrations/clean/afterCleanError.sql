DO $$BEGIN RAISE WARNING 'afterCleanError ran'; END$$;
