CREATE TABLE n01_dup_r2 (id int);
