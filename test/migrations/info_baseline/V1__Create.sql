CREATE TABLE i06_b (v text);
