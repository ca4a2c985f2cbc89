CREATE TABLE "cost_daily" (
	"org_id" uuid NOT NULL,
	"day" date NOT NULL,
	"currency" char(3) NOT NULL,
	"project" text,
	"pipeline" text,
	"run_id" uuid,
	"sample" text,
	"process" text,
	"explained" boolean NOT NULL,
	"provider" text,
	"service_name" text,
	"resource_group" text,
	"region_id" text,
	"tags" jsonb NOT NULL,
	"amount" numeric NOT NULL,
	"pieces" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cost_daily_days" (
	"org_id" uuid NOT NULL,
	"day" date NOT NULL,
	"built_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_daily_days_pkey" PRIMARY KEY("org_id","day")
);
--> statement-breakpoint
ALTER TABLE "cost_records" DROP CONSTRAINT "cost_records_org_fk";
--> statement-breakpoint
DROP INDEX "cost_records_org_period_idx";--> statement-breakpoint
DROP INDEX "cost_records_org_resource_idx";--> statement-breakpoint
DROP INDEX "cost_records_org_source_idx";--> statement-breakpoint
DROP INDEX "cost_records_org_row_hash_key";--> statement-breakpoint
ALTER TABLE "cost_daily" ADD CONSTRAINT "cost_daily_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_daily_days" ADD CONSTRAINT "cost_daily_days_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cost_daily_org_day_idx" ON "cost_daily" USING btree ("org_id","day");--> statement-breakpoint
CREATE UNIQUE INDEX "cost_records_org_row_hash_key" ON "cost_records" USING btree ("org_id","row_hash","charge_period_start");--> statement-breakpoint
ALTER TABLE "cost_records" DROP CONSTRAINT "cost_records_pkey";
--> statement-breakpoint
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_pkey" PRIMARY KEY("org_id","charge_period_start","id");