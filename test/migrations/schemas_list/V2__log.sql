INSERT INTO sl_audit.log VALUES (2);
