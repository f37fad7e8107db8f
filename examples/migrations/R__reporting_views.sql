-- A repeatable migration: re-applied whenever this file (or a placeholder in it) changes.
CREATE OR REPLACE VIEW order_totals AS
SELECT u.id AS user_id, u.name, count(o.id) AS orders, coalesce(sum(o.total), 0) AS total
FROM users u LEFT JOIN orders o ON o.user_id = u.id
GROUP BY u.id, u.name;
