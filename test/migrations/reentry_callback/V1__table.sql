CREATE TABLE r20_cb (id int);
