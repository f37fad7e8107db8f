CREATE TABLE app.b (id int);
