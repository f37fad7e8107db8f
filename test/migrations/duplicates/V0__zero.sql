CREATE TABLE n01_dup_0 (id int);
