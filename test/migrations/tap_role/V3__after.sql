INSERT INTO who VALUES (3, current_user, session_user);
