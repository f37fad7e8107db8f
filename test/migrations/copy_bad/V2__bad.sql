COPY c1 FROM stdin;
6	frank	ok
seven	grace	bad id
\.
