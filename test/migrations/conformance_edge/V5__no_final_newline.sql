-- the last statement has no ";" and the file no final newline
CREATE VIEW ce5 AS SELECT count(*) AS n FROM ce2 -- a comment