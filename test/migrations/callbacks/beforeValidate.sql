CREATE TABLE IF NOT EXISTS cb_log (n serial, event text);
INSERT INTO cb_log (event) VALUES ('beforeValidate');
