CREATE TABLE sp15_three (id int);
