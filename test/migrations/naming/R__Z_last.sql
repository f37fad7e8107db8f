INSERT INTO n01_log (v) VALUES ('R Z');
