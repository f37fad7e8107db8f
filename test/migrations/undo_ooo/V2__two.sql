CREATE TABLE uo23_2 (id int);
