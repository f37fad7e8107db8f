INSERT INTO ucb_log (event) VALUES ('afterEachUndo');
