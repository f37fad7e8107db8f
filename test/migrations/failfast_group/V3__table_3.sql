CREATE TABLE ffg23_t3 (id int);
