INSERT INTO a05_t VALUES (3);
CREATE TABLE a05_partial (id int);
SELECT id
  FROM a05_t;
