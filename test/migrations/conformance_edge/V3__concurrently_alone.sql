-- a migration of statements that cannot run in a transaction block only:
-- each commits on its own, its history row after them
CREATE INDEX CONCURRENTLY ce2_id ON ce2 (id);
VACUUM (ANALYZE) ce2;
