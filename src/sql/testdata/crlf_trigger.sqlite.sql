CREATE TABLE t (a INTEGER);
-- bump a on insert
CREATE TRIGGER t_ai AFTER INSERT ON t
BEGIN
  UPDATE t SET a = a + 1; -- bump
END;
--> statement-breakpoint
SELECT a FROM t;
