CREATE TABLE seen (setting text);
INSERT INTO seen VALUES (current_setting('statement_timeout'));
SELECT pg_sleep(0.2);
