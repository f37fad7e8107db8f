CREATE TABLE ff23_t1 (id int);
