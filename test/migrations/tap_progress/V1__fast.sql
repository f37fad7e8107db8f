CREATE TABLE p1 (id int);
