CREATE TABLE s21_v1 (id int);
