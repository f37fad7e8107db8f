-- Run with schemas = sl_app, sl_audit: both are created with the history
-- table (in sl_app, first on the search_path), under one SCHEMA marker row.
CREATE TABLE app_t (i int);
CREATE TABLE sl_audit.log (i int);
