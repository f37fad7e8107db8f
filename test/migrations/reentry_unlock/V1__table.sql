CREATE TABLE r20_lock (v text);
INSERT INTO r20_lock VALUES ('1');
