CREATE TABLE n01_dup_a (id int);
