CREATE TABLE iso_lock.t1 (id int);
