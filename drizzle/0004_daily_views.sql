CREATE TABLE "daily_views" (
	"slug" text NOT NULL,
	"day" date NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "daily_views_slug_day_pk" PRIMARY KEY("slug","day")
);
--> statement-breakpoint
CREATE INDEX "daily_views_day_idx" ON "daily_views" USING btree ("day");