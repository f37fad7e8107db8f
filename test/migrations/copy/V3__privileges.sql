-- COPY's own rules apply: columns listed, defaults for the others
CREATE TABLE c3 (id int, v text DEFAULT 'dflt');
COPY c3 (id) FROM stdin;
1
\.
