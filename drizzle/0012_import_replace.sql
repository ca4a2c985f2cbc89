ALTER TABLE "imports" ADD COLUMN "replace" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "imports" ADD COLUMN "delivery" text;