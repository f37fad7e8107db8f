CREATE TABLE IF NOT EXISTS cb23_log (id serial PRIMARY KEY, event text NOT NULL);
