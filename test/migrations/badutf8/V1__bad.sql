SELECT 1;
-- line 2
-- cafÿ
SELECT 2;
