SELECT count(*) FROM migrate_plan();
