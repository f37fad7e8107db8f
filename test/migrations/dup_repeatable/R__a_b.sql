CREATE TABLE n01_dup_r1 (id int);
