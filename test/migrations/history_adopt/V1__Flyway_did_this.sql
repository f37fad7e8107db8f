CREATE TABLE h04_adopted (id int);
