ALTER TABLE "model_versions" ADD COLUMN "trained_from" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "trained_to" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "held_out_from" timestamp with time zone;