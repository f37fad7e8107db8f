CREATE TABLE n01_dup_b (id int);
