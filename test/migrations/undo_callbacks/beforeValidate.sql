CREATE TABLE IF NOT EXISTS ucb_log (n serial, event text);
