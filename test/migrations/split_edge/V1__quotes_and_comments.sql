-- ';' in comments, strings and dollar quotes does not end a statement; not even here: ;
CREATE TABLE se1 (id int, note text DEFAULT 'a;b', "odd;name" int);
/* a block comment; /* nested; */ still; */ INSERT INTO se1 VALUES (1, E'it''s; \' fine', 2);
CREATE FUNCTION se1_f() RETURNS text LANGUAGE plpgsql AS $fn$
BEGIN
	RETURN $$x;y$$ || ';';  -- a comment; inside
END
$fn$;

SELECT 1; SELECT 2;   SELECT 'three';;;
SELECT U&'d\0061t\+000061;' AS "u;"
;
-- the last statement has no ';' and a comment after it
SELECT 'last'  -- trailing
