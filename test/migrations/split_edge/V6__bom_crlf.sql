CREATE TABLE se6 (id int);
-- a comment; with CRLF
INSERT INTO se6
  VALUES (1);
COPY se6 FROM stdin;
2
\.
SELECT 1;
