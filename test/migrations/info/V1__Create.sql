CREATE TABLE i06_t (v text);
