CREATE TABLE ffg23_t4 (id int);
