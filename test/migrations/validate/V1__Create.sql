CREATE TABLE v07_t (id int);
