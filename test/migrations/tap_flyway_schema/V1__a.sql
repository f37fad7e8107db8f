CREATE TABLE app.a (id int);
