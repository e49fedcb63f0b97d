CREATE TABLE "notes" (
	"id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	"user_id" integer NOT NULL,
	"body" text NOT NULL,
	"pinned" integer DEFAULT false NOT NULL,
	CONSTRAINT "notes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON UPDATE no action ON DELETE cascade
);

CREATE TABLE "users" (
	"id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	"email" text NOT NULL,
	"name" text,
	"created_at" integer DEFAULT (unixepoch()) NOT NULL
);

CREATE INDEX "notes_user_idx" ON "notes" ("user_id");

CREATE UNIQUE INDEX "users_email_unique" ON "users" ("email");
