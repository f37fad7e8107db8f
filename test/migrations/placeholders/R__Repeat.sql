INSERT INTO p03_values (name, value) VALUES ('repeatable', '${owner}');
