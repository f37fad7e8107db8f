SELECT count(*) FROM migrate_apply();
