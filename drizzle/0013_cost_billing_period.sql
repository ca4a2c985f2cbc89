ALTER TABLE "cost_records" ADD COLUMN "billing_period_start" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cost_records" ADD COLUMN "billing_period_end" timestamp with time zone;