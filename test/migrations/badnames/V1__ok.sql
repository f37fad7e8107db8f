CREATE TABLE n01_ok (id int);
