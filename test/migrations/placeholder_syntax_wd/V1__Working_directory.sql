CREATE TABLE ps29_wd (v text);
INSERT INTO ps29_wd VALUES ('${flyway:workingDirectory}');
