-- Runs outside a transaction block, in a migration of its own, as Flyway runs it.
CREATE INDEX CONCURRENTLY orders_user_id_idx ON orders (user_id);
