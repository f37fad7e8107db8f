INSERT INTO p03_values (name, value) VALUES
  ('flyway:defaultSchema', '${flyway:defaultSchema}'),
  ('flyway:user', '${flyway:user}'),
  ('flyway:database', '${flyway:database}'),
  ('flyway:table', '${flyway:table}'),
  ('flyway:filename', '${flyway:filename}'),
  ('flyway:timestamp', '${flyway:timestamp}');
