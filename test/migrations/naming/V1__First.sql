CREATE TABLE n01_log (n serial PRIMARY KEY, v text);
INSERT INTO n01_log (v) VALUES ('1');
