-- real projects read and edit the history table from a migration
CREATE TABLE h04_seen AS
  SELECT count(*) AS applied_before FROM ${flyway:defaultSchema}.${flyway:table};
UPDATE ${flyway:defaultSchema}.${flyway:table} SET execution_time = execution_time
 WHERE version = '1';
