-- what V3 finds when it starts, and a trigger that must fire
CREATE TABLE s21_seen (version text, cur name, sess name, search_path text,
  default_tablespace text, temp_tablespaces text, table_access_method text,
  replication_role text, row_security text, function_bodies text,
  mixed text, placeholder_replacement text, installed_by text);
CREATE TABLE s21_fired (id int);
CREATE TABLE s21_t (id int);
GRANT ALL ON s21_seen, s21_fired, s21_t TO PUBLIC;
CREATE FUNCTION s21_fire() RETURNS trigger LANGUAGE plpgsql
  AS $$ BEGIN INSERT INTO s21_fired VALUES (NEW.id); RETURN NEW; END $$;
CREATE TRIGGER s21_fire AFTER INSERT ON s21_t FOR EACH ROW EXECUTE FUNCTION s21_fire();
