CREATE TABLE e19_parted (id int) PARTITION BY RANGE (id);
-- invalid by design until each partition has its index
CREATE INDEX IF NOT EXISTS e19_parted_idx ON ONLY e19_parted (id);
