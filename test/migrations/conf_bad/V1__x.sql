CREATE TABLE cb_bad (id int);
