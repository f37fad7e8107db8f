-- blocks while the spec holds ACCESS EXCLUSIVE on iso_mixed_aux.gate
SELECT count(*) FROM iso_mixed_aux.gate;
CREATE TABLE iso_mixed.t2 (id int);
