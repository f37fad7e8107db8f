CREATE TABLE ff23_t3 (id int);
