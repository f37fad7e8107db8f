CREATE OR REPLACE FUNCTION tmpl() RETURNS text LANGUAGE sql AS $$ SELECT '${not_a_placeholder}' $$;
