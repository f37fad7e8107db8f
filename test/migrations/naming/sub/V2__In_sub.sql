INSERT INTO n01_log (v) VALUES ('2');
