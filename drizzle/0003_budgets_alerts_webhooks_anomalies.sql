CREATE TYPE "public"."anomaly_feedback" AS ENUM('EXPECTED', 'NOT_ANOMALY');--> statement-breakpoint
CREATE TYPE "public"."cost_dimension" AS ENUM('ORGANIZATION', 'PROJECT', 'PIPELINE', 'SERVICE', 'RESOURCE_GROUP', 'TAG');--> statement-breakpoint
CREATE TYPE "public"."budget_period" AS ENUM('MONTH', 'QUARTER', 'YEAR', 'CUSTOM');--> statement-breakpoint
CREATE TYPE "public"."budget_scope" AS ENUM('ORGANIZATION', 'PROJECT', 'PIPELINE', 'TAG');--> statement-breakpoint
CREATE TYPE "public"."webhook_delivery_status" AS ENUM('PENDING', 'SUCCEEDED', 'RETRYING', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."webhook_format" AS ENUM('JSON', 'SLACK');--> statement-breakpoint
CREATE TABLE "anomalies" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"day" date NOT NULL,
	"dimension" "cost_dimension" NOT NULL,
	"dimension_key" text DEFAULT '' NOT NULL,
	"dimension_value" text NOT NULL,
	"currency" char(3) NOT NULL,
	"actual" numeric NOT NULL,
	"expected" numeric NOT NULL,
	"impact" numeric NOT NULL,
	"score" double precision NOT NULL,
	"severity" "alert_severity" NOT NULL,
	"history_days" integer NOT NULL,
	"contributors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"feedback" "anomaly_feedback",
	"feedback_note" text,
	"feedback_by" uuid,
	"feedback_at" timestamp with time zone,
	"alert_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "anomalies_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "budgets" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"scope" "budget_scope" NOT NULL,
	"project_id" uuid,
	"pipeline_name" text,
	"tag_key" text,
	"tag_value" text,
	"period" "budget_period" NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"amount" numeric NOT NULL,
	"currency" char(3) NOT NULL,
	"thresholds" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "budgets_pkey" PRIMARY KEY("org_id","id"),
	CONSTRAINT "budgets_amount_positive" CHECK ("budgets"."amount" > 0),
	CONSTRAINT "budgets_scope_columns" CHECK (("budgets"."scope" = 'PROJECT') = ("budgets"."project_id" is not null) and ("budgets"."scope" = 'PIPELINE') = ("budgets"."pipeline_name" is not null) and ("budgets"."scope" = 'TAG') = ("budgets"."tag_key" is not null and "budgets"."tag_value" is not null)),
	CONSTRAINT "budgets_custom_range" CHECK (("budgets"."period" = 'CUSTOM') = ("budgets"."starts_at" is not null and "budgets"."ends_at" is not null) and ("budgets"."starts_at" is null or "budgets"."starts_at" < "budgets"."ends_at"))
);
--> statement-breakpoint
CREATE TABLE "webhook_channels" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"format" "webhook_format" DEFAULT 'JSON' NOT NULL,
	"secret_encrypted" text NOT NULL,
	"kinds" "alert_kind"[] DEFAULT '{}'::alert_kind[] NOT NULL,
	"min_severity" "alert_severity" DEFAULT 'INFO' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_channels_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"channel_id" uuid NOT NULL,
	"alert_id" uuid NOT NULL,
	"status" "webhook_delivery_status" DEFAULT 'PENDING' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"last_attempt_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"log" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "cooldown_key" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "resolution" text;--> statement-breakpoint
ALTER TABLE "anomalies" ADD CONSTRAINT "anomalies_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_project_fk" FOREIGN KEY ("org_id","project_id") REFERENCES "public"."projects"("org_id","id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_channels" ADD CONSTRAINT "webhook_channels_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_channel_fk" FOREIGN KEY ("org_id","channel_id") REFERENCES "public"."webhook_channels"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_alert_fk" FOREIGN KEY ("org_id","alert_id") REFERENCES "public"."alerts"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "anomalies_org_day_dimension_key" ON "anomalies" USING btree ("org_id","day","dimension","dimension_key","dimension_value","currency");--> statement-breakpoint
CREATE INDEX "anomalies_org_day_idx" ON "anomalies" USING btree ("org_id","day","id");--> statement-breakpoint
CREATE UNIQUE INDEX "budgets_org_name_key" ON "budgets" USING btree ("org_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_channels_org_name_key" ON "webhook_channels" USING btree ("org_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_org_channel_alert_key" ON "webhook_deliveries" USING btree ("org_id","channel_id","alert_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_org_channel_created_idx" ON "webhook_deliveries" USING btree ("org_id","channel_id","created_at","id");--> statement-breakpoint
CREATE INDEX "alerts_org_cooldown_idx" ON "alerts" USING btree ("org_id","cooldown_key","raised_at") WHERE "alerts"."cooldown_key" is not null;