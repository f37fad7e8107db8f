CREATE ROLE e19_never PASSWORD '${db_password}';
