-- the second schema, created by the migrate (the SCHEMA marker lists it),
-- with a foreign key into the first
CREATE TABLE cl_audit.log (item integer REFERENCES items (id), at timestamptz);
CREATE VIEW cl_audit.recent AS SELECT * FROM cl_audit.log;
