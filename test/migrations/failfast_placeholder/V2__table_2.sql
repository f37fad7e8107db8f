CREATE TABLE ff23_t2 (id int);
