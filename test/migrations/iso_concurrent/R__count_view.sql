CREATE OR REPLACE VIEW iso_conc.v AS SELECT count(*) AS n FROM iso_conc.b;
