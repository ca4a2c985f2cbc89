CREATE TYPE "public"."model_scope" AS ENUM('PIPELINE', 'PROCESS');--> statement-breakpoint
CREATE TABLE "model_versions" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"model_name" text NOT NULL,
	"model_version" text NOT NULL,
	"target" text NOT NULL,
	"scope" "model_scope" NOT NULL,
	"pipeline" text NOT NULL,
	"process" text DEFAULT '' NOT NULL,
	"state" jsonb NOT NULL,
	"mape" double precision,
	"median_ape" double precision,
	"bias" double precision,
	"coverage" double precision,
	"n_train" integer NOT NULL,
	"n_test" integer NOT NULL,
	"champion" boolean DEFAULT false NOT NULL,
	"trained_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "model_versions_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_champion_key" ON "model_versions" USING btree ("org_id","target","scope","pipeline","process") WHERE "model_versions"."champion";--> statement-breakpoint
CREATE INDEX "model_versions_org_trained_idx" ON "model_versions" USING btree ("org_id","trained_at" DESC NULLS LAST);