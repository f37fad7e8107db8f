CREATE TABLE ho11_t1 (id int);
