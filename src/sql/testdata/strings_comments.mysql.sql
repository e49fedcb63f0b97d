INSERT INTO t VALUES ('it\'s; escaped', "double \"quoted\"; string", 'doubled ''quote;''');
SELECT `weird``;name` FROM t; # hash comment; here
SELECT 1--1;
SELECT 2 -- real comment; here
  + 3;
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!50003 CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET @a = 1; END */;
SELECT /*+ MAX_EXECUTION_TIME(1000) */ * FROM t;
SELECT 'back\\slash;', $dollar$;
