CREATE TABLE p03_values (n serial, name text, value text);
INSERT INTO p03_values (name, value) VALUES
  ('owner', '${owner}'),
  ('OWNER in capitals', '${OWNER}'),
  ('with a dash', '${my-name}'),
  ('with a dot', '${my.name}');
