CREATE TABLE words (id int PRIMARY KEY, word text);
INSERT INTO words VALUES (1, 'café'), (2, 'Grüße');
