-- t/099_upgrade.pl: applied after ALTER EXTENSION pg_migrate UPDATE; from 1.1
-- on, migrate_sync_status() is refused in here as every pg_migrate function is
CREATE TABLE up_calls (outcome text);
DO $$
BEGIN
  PERFORM * FROM migrate_sync_status();
  INSERT INTO up_calls VALUES ('ran');
EXCEPTION WHEN OTHERS THEN
  INSERT INTO up_calls VALUES (SQLSTATE || ': ' || SQLERRM);
END
$$;
INSERT INTO up_items VALUES (3, ${third});
