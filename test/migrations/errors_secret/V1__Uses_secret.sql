DO $$ BEGIN RAISE WARNING 'connecting with %', '${db_password}'; END $$;
CREATE TABLE e19_secret (id int);
SELECT '${db_password}'::int;
