-- data up to the end of the file when no \. line follows, as Flyway reads it
CREATE TABLE c2 (v text);
COPY c2 FROM stdin;
last
block
