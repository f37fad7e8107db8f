CREATE TABLE e19_committed (id int);
COMMIT;
CREATE TABLE e19_rolled_back (id int);
SELECT 1 / 0;
