CREATE TABLE c10_loaded (n int);
COPY c10_loaded FROM stdin;
1
2
3
\.
COPY c10_not_there FROM stdin;
4
\.
