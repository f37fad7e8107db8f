CREATE TABLE a05_t (id int);
