CREATE TABLE u2 (id int, note text DEFAULT '${note}');
COPY u2 (id) FROM stdin;
7
\.
