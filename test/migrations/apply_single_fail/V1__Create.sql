CREATE TABLE a05_single_fail (id int);
