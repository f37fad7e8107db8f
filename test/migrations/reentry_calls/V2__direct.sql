-- still refused after the refusals V1 caught
SELECT count(*) FROM migrate_info();
