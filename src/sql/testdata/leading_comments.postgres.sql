-- Migration: add users
/* block
   comment */
CREATE TABLE users (id int); -- same line after ;
-- db-migrate: allow drop-column
ALTER TABLE users DROP COLUMN legacy;
;;
-- before an empty statement
;
-- before a breakpoint
--> statement-breakpoint
SELECT 1 -- trailing, dropped
;
-- trailing comment at end of file, dropped
