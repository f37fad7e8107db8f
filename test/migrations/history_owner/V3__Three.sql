CREATE TABLE ho11_t3 (id int);
