CREATE TABLE g10_t (id int);
