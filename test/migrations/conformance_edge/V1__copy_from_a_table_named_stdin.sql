-- "FROM stdin" inside a COPY's query names a table, not the data that follows:
-- the lines after this COPY are statements, not a data block.
CREATE TABLE stdin (a int);
COPY (SELECT a FROM stdin) TO STDOUT;
INSERT INTO stdin VALUES (1);
SELECT count(*) FROM stdin;
