CREATE OR REPLACE VIEW order_totals AS SELECT count(*) AS n, sum(amount) AS total FROM orders;
