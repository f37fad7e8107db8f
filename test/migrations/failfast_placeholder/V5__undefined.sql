CREATE TABLE ff23_t5 (id int);
COMMENT ON TABLE ff23_t5 IS '${ff_undefined}';
