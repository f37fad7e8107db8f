CREATE TABLE b08_3 (id int);
