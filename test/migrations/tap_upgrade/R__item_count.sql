-- t/099_upgrade.pl: applied at extension version 1.0, not again after the update
CREATE OR REPLACE VIEW up_item_count AS SELECT count(*) AS n FROM up_items;
