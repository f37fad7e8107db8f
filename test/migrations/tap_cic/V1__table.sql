CREATE TABLE cic_t (id int);
INSERT INTO cic_t SELECT generate_series(1, 1000);
