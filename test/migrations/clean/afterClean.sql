DO $$BEGIN RAISE WARNING 'afterClean ran'; END$$;
