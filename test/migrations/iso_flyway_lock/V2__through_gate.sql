-- blocks while the spec holds ACCESS EXCLUSIVE on iso_lock_aux.gate
SELECT count(*) FROM iso_lock_aux.gate;
CREATE TABLE iso_lock.t2 (id int);
