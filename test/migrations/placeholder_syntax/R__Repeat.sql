INSERT INTO ps29_values (name, value) VALUES ('repeatable', '#[owner]');
