CREATE TABLE iso_mixed.t1 (id int);
