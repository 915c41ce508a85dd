CREATE TABLE "daily_breakdowns" (
	"kind" text NOT NULL,
	"day" date NOT NULL,
	"value" text NOT NULL,
	"slug" text NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "daily_breakdowns_day_kind_value_slug_pk" PRIMARY KEY("day","kind","value","slug")
);
--> statement-breakpoint
CREATE INDEX "daily_breakdowns_slug_day_idx" ON "daily_breakdowns" USING btree ("slug","day");