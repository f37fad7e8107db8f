CREATE TABLE a05_ns (id int);
