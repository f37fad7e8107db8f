CREATE TABLE a05_s0 (id int);
