CREATE TABLE cbf_a (id int);
