CREATE TABLE i06_b3 (v text);
