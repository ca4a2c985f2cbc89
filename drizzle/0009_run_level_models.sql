ALTER TABLE "runs" ADD COLUMN "billed_in_full" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "cost_basis" text;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "currency" char(3);--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_cost_basis" CHECK ("model_versions"."cost_basis" in ('BILL', 'PRICE_SHEET'));