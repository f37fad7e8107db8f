CREATE TABLE u1 (id int);
