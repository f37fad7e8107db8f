CREATE TABLE cb_bool (id int);
