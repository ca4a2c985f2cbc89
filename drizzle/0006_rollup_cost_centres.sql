ALTER TABLE "cost_daily" ADD COLUMN "cost_centre" text;--> statement-breakpoint
ALTER TABLE "cost_daily_days" ADD COLUMN "rules_hash" text;