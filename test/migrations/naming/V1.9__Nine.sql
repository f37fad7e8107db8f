INSERT INTO n01_log (v) VALUES ('1.9');
