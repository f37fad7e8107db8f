CREATE TABLE app.c (id int);
