CREATE TABLE nw2 (id int);
