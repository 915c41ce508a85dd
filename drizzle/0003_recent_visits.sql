CREATE TABLE "recent_visits" (
	"visitor" text PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "recent_visits_expires_at_idx" ON "recent_visits" USING btree ("expires_at");