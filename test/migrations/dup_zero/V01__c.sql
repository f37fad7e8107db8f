CREATE TABLE n01_dup_c (id int);
