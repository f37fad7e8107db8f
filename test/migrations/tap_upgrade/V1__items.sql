-- t/099_upgrade.pl: applied at extension version 1.0
CREATE TABLE up_items (id int PRIMARY KEY, name text);
