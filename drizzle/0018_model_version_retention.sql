ALTER TABLE "model_versions" ALTER COLUMN "state" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "model_versions" ADD COLUMN "samples_key" text;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_champion_state" CHECK (not "model_versions"."champion" or "model_versions"."state" is not null);