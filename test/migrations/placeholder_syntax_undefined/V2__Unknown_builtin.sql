SELECT '#[flyway_nope]';
