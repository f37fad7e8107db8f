CREATE TABLE a05_n (id int);
INSERT INTO a05_n SELECT generate_series(1, 100);
