CREATE TABLE a05_target (v text);
INSERT INTO a05_target VALUES ('1');
