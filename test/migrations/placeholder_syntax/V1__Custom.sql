CREATE TABLE ps29_values (n serial, name text, value text);
INSERT INTO ps29_values (name, value) VALUES
  ('owner', '#[owner]'),
  ('OWNER in capitals', '#[OWNER]'),
  ('the default syntax is text', '${owner} ${nope}'),
  ('Flyway''s read-ahead quirk', '##[owner]'),
  ('flyway_defaultSchema', '#[flyway_defaultSchema]'),
  ('flyway_table', '#[flyway_table]'),
  ('flyway_filename', '#[flyway_filename]'),
  ('flyway_environment', '#[flyway_environment]'),
  ('flyway_workingDirectory', '#[flyway_workingDirectory]');
-- a script's SET of the syntax does not outlive it
SET pg_migrate.placeholder_prefix = '@@';
