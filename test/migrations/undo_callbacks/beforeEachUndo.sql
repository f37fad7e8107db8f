INSERT INTO ucb_log (event) VALUES ('beforeEachUndo');
