-- t/099_upgrade.pl: applied at extension version 1.0
INSERT INTO up_items VALUES (1, 'one'), (2, ${second});
