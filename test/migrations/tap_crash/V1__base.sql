CREATE TABLE base_t (id int);
