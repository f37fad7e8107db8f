INSERT INTO a05_single_fail VALUES (1);
INSERT INTO a05_single_fail VALUES (1/0);
