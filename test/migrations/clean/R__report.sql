CREATE OR REPLACE VIEW report AS SELECT count(*) AS items FROM items;
