CREATE TABLE se3 (id int, note text);
COPY se3 (id, note) FROM stdin; -- the rest of this line is skipped
1	a;b
2	-- not a comment
3	$$ not a quote
\.
INSERT INTO se3 VALUES (4, 'x');
copy se3 from STDIN;
5	e
  \.  
COPY se3 TO stdout;
COPY (SELECT 1) TO STDOUT; SELECT 6;
