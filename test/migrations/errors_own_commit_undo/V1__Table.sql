CREATE TABLE e19_u (id int);
