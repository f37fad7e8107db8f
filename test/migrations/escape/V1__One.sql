CREATE TABLE e22_t (id int);
