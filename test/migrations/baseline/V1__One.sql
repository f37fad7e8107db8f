CREATE TABLE b08_1 (id int);
