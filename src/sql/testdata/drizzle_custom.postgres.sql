-- Custom SQL migration file, put your code below! --
UPDATE "users" SET "role" = 'admin' WHERE "email" LIKE '%@example.com'
--> statement-breakpoint
INSERT INTO "settings" ("key", "value") VALUES ('version', '2')--> statement-breakpoint
-- db-migrate: allow drop-column
ALTER TABLE "users" DROP COLUMN "legacy";
--> statement-breakpoint
