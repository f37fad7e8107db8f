CREATE TABLE IF NOT EXISTS ce_after (n int);
INSERT INTO ce_after VALUES (1);
