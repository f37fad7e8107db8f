CREATE TABLE a05_ooo (v text);
