CREATE TABLE IF NOT EXISTS cbf_log (n serial, event text);
