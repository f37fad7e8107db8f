GRANT INSERT ON who TO other_role;
SET ROLE other_role;
INSERT INTO who VALUES (2, current_user, session_user);
