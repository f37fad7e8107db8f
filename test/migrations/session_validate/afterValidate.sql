INSERT INTO public.s21_validate_seen (as_session_user, session_user_is_bob, replication_role)
  VALUES (current_user = session_user, session_user = 'regress_pgm_bob',
          current_setting('session_replication_role'));
