SET session_replication_role = replica;
SET SESSION AUTHORIZATION regress_pgm_bob;
