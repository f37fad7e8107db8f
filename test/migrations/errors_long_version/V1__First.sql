CREATE TABLE e19_first (id int);
