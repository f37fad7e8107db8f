-- every function of pg_migrate, called from inside a migration: each is refused
CREATE TABLE r20_calls (n serial, fn text, outcome text);
DO $$
DECLARE
  fn text;
BEGIN
  FOREACH fn IN ARRAY ARRAY['migrate_apply()', 'migrate_apply(single_transaction => true)',
                            'migrate_info()', 'migrate_validate()', 'migrate_plan()',
                            'migrate_baseline()', 'migrate_repair()', 'migrate_undo()',
                            'migrate_clean()', 'migrate_sync()', 'migrate_sync_status()'] LOOP
    BEGIN
      EXECUTE 'SELECT FROM ' || fn;
      INSERT INTO r20_calls (fn, outcome) VALUES (fn, 'ran');
    EXCEPTION WHEN OTHERS THEN
      INSERT INTO r20_calls (fn, outcome) VALUES (fn, SQLSTATE || ': ' || SQLERRM);
    END;
  END LOOP;
END
$$;
