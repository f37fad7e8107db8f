CREATE INDEX orders_amount_idx ON orders (amount);
INSERT INTO orders VALUES (1, 10);
