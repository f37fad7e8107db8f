DO $$BEGIN RAISE WARNING 'beforeClean ran'; END$$;
