CREATE TABLE h04_t (id int);
