-- nothing to do
/* really */
--> statement-breakpoint

