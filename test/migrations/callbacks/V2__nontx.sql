CREATE TABLE two (id int);
CREATE INDEX CONCURRENTLY two_idx ON two (id);
