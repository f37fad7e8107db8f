CREATE TABLE iso_conc.a (id int PRIMARY KEY, note text);
