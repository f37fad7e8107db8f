CREATE TABLE after_cic (id int);
