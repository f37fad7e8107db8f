CREATE TABLE c1 (id int PRIMARY KEY, name text, note text);
-- as pg_dump writes it
COPY c1 (id, name, note) FROM stdin;
1	alice	has a ; semicolon
2	bob	\N
3	carol	it's quoted 'oddly
\.

INSERT INTO c1 VALUES (4, 'dave', 'after the block');
COPY c1 FROM STDIN WITH (FORMAT csv);
5,eve,"csv, with comma"
\.
SELECT 1;
