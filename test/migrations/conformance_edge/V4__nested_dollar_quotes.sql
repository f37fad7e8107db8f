CREATE FUNCTION ce4(t text) RETURNS text LANGUAGE plpgsql AS $outer$
DECLARE
	q text := $inner$it's; $$not$$ the end$inner$;
BEGIN
	RETURN q || ';' || t; -- a comment; in the body
END
$outer$;
DO $$BEGIN RAISE NOTICE 'a notice; from a DO block %', ce4('x'); END$$;
SELECT ce4(E'\\;'), 'semi;colon' AS ";"
