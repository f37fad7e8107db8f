CREATE TABLE iso_conc.b (id int);
INSERT INTO iso_conc.b SELECT id FROM iso_conc.a;
