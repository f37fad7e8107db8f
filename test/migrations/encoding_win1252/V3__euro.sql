INSERT INTO words VALUES (6, '€ and ’ are windows-1252, not ISO-8859-1');
