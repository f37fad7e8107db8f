CREATE TABLE a05_single (id int);
