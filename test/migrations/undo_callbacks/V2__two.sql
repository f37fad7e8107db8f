CREATE TABLE ucb2 (id int);
