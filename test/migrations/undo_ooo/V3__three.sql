CREATE TABLE uo23_3 (id int);
