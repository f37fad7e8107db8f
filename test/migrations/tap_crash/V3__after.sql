CREATE TABLE after_t (id int);
