CREATE TABLE cb23_a (id int);
INSERT INTO cb23_log (event) VALUES ('V1 statement 2');
