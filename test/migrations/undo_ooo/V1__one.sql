CREATE TABLE uo23_1 (id int);
