INSERT INTO n01_log (v) VALUES ('4');
