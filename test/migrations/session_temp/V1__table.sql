CREATE TABLE s21_vanishing (id int);
