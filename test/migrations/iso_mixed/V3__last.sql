CREATE TABLE iso_mixed.t3 (id int);
