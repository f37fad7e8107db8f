CREATE TABLE ucb1 (id int);
