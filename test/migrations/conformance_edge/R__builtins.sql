CREATE OR REPLACE VIEW ce_r AS SELECT ${flyway:table}::text AS history FROM (SELECT $$${flyway:database}$$ AS ${flyway:table}) s;
