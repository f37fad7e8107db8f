CREATE TABLE ce2 (id int, note text);
COPY ce2 FROM stdin;
1	carriage
2	return; not a statement
\.
INSERT INTO ce2 VALUES (3, $$x
y$$);
