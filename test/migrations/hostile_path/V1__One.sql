CREATE TABLE sp15_one (id int);
