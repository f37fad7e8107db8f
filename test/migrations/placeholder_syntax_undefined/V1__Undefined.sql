SELECT 1;
-- the next line uses a placeholder nobody defined
SELECT '#[nope]';
