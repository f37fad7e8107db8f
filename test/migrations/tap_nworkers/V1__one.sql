CREATE TABLE nw1 (id int);
