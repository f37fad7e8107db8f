CREATE TABLE ho11_t2 (id int);
