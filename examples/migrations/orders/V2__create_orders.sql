-- Sub-folders are read too; the history records the path relative to the location.
CREATE TABLE orders (
    id       bigserial PRIMARY KEY,
    user_id  bigint NOT NULL REFERENCES users (id),
    total    numeric(12,2) NOT NULL CHECK (total >= 0),
    placed   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE orders IS 'Orders of ${company}';
