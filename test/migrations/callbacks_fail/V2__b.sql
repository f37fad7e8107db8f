CREATE TABLE cbf_b (id int);
