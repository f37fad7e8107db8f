CREATE TABLE iso_lock.t3 (id int);
