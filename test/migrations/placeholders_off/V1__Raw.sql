CREATE TABLE p03_raw AS SELECT '${x}'::text AS v;
