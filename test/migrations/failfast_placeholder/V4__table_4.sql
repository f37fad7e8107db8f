CREATE TABLE ff23_t4 (id int);
