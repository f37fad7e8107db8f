INSERT INTO a05_t VALUES (3);
CREATE TABLE a05_partial (id int);
SELECT id,
       no_such_column
  FROM a05_t;
