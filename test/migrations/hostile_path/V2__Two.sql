CREATE TABLE sp15_two (id int);
