CREATE TABLE cb23_b (id int);
