CREATE TABLE ffg23_t2 (id int);
