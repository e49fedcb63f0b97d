CREATE TABLE [semi;colon] ([a;b] TEXT, `c;d` TEXT, "e;f" TEXT);
INSERT INTO [semi;colon] VALUES ('it''s; ok', 'x', 'back\'); -- comment ; here
SELECT "e;f" /* ; */ FROM [semi;colon] WHERE `c;d` = 'x' AND [a;b] IS NOT `a;b`;
SELECT 'no $$dollar quotes; here', $param;
