CREATE TABLE cb23_never (id int);
