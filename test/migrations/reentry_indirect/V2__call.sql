CREATE TABLE r20_indirect (pending bigint);
INSERT INTO r20_indirect SELECT r20_pending();
