-- fails half-way: the DELETE must not survive the failure
DELETE FROM uf1;
DROP TABLE no_such_table;
