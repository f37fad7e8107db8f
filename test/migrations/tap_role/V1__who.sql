CREATE TABLE who (n int, cur text, sess text);
INSERT INTO who VALUES (1, current_user, session_user);
