SELECT * FROM g10_secret.hidden;
