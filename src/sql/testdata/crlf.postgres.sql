-- header
CREATE TABLE a (
  id int -- comment
);
--> statement-breakpoint
ALTER TABLE a ADD b text;--> statement-breakpoint
DO $$
BEGIN
  PERFORM 1;
END
$$;
SELECT 'two
lines';
