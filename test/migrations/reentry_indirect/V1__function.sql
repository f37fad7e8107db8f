CREATE FUNCTION r20_pending() RETURNS bigint LANGUAGE sql
  AS $$ SELECT count(*) FROM migrate_info() WHERE state = 'Pending' $$;
