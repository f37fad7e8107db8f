CREATE TABLE ffg23_t1 (id int);
