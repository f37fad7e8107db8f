CREATE TABLE e19_conf (id int);
