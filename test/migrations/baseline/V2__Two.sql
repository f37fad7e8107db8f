CREATE TABLE b08_2 (id int);
