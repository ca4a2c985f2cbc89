CREATE TYPE "public"."allocation_kind" AS ENUM('TASK', 'IDLE', 'UNALLOCATED');--> statement-breakpoint
CREATE TYPE "public"."reconciliation_status" AS ENUM('RUNNING', 'SUCCEEDED', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."anomaly_feedback" AS ENUM('EXPECTED', 'NOT_ANOMALY');--> statement-breakpoint
CREATE TYPE "public"."cost_dimension" AS ENUM('ORGANIZATION', 'PROJECT', 'PIPELINE', 'SERVICE', 'RESOURCE_GROUP', 'TAG');--> statement-breakpoint
CREATE TYPE "public"."budget_period" AS ENUM('MONTH', 'QUARTER', 'YEAR', 'CUSTOM');--> statement-breakpoint
CREATE TYPE "public"."budget_scope" AS ENUM('ORGANIZATION', 'PROJECT', 'PIPELINE', 'TAG');--> statement-breakpoint
CREATE TYPE "public"."recommendation_kind" AS ENUM('RIGHTSIZE_MEMORY', 'RIGHTSIZE_CPU', 'LOW_PRIORITY', 'FAILED_WORK', 'IDLE_POOL');--> statement-breakpoint
CREATE TYPE "public"."recommendation_status" AS ENUM('OPEN', 'ACCEPTED', 'DISMISSED');--> statement-breakpoint
CREATE TYPE "public"."model_scope" AS ENUM('PIPELINE', 'PROCESS');--> statement-breakpoint
CREATE TYPE "public"."webhook_delivery_status" AS ENUM('PENDING', 'SUCCEEDED', 'RETRYING', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."webhook_format" AS ENUM('JSON', 'SLACK');--> statement-breakpoint
CREATE TABLE "allocation_rules" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"priority" integer NOT NULL,
	"cost_centre" text NOT NULL,
	"match" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "allocation_rules_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "allocations" (
	"org_id" uuid NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "allocations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"reconciliation_id" uuid NOT NULL,
	"cost_record_id" bigint NOT NULL,
	"charge_period_start" timestamp with time zone NOT NULL,
	"kind" "allocation_kind" NOT NULL,
	"method" text NOT NULL,
	"pool_id" uuid,
	"run_id" uuid,
	"task_id" bigint,
	"share" numeric,
	"hours" numeric,
	"amount" numeric NOT NULL,
	"currency" char(3) NOT NULL,
	CONSTRAINT "allocations_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "estimate_errors" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"estimate_id" uuid NOT NULL,
	"reconciliation_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"pipeline_id" uuid,
	"kind" "estimate_kind" NOT NULL,
	"model_name" text NOT NULL,
	"model_version" text NOT NULL,
	"estimated" numeric NOT NULL,
	"actual" numeric NOT NULL,
	"currency" char(3) NOT NULL,
	"error_ratio" numeric,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "estimate_errors_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "reconciliations" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"status" "reconciliation_status" DEFAULT 'RUNNING' NOT NULL,
	"idle_mode" text NOT NULL,
	"job_id" text,
	"trigger" text NOT NULL,
	"lines" integer DEFAULT 0 NOT NULL,
	"pool_lines" integer DEFAULT 0 NOT NULL,
	"unallocated_lines" integer DEFAULT 0 NOT NULL,
	"task_allocations" integer DEFAULT 0 NOT NULL,
	"runs_updated" integer DEFAULT 0 NOT NULL,
	"currency_mismatch_runs" integer DEFAULT 0 NOT NULL,
	"estimate_errors" integer DEFAULT 0 NOT NULL,
	"drift_alerts" integer DEFAULT 0 NOT NULL,
	"totals" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	CONSTRAINT "reconciliations_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
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
CREATE TABLE "required_tag_keys" (
	"org_id" uuid NOT NULL,
	"key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "required_tag_keys_pkey" PRIMARY KEY("org_id","key")
);
--> statement-breakpoint
CREATE TABLE "recommendations" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"kind" "recommendation_kind" NOT NULL,
	"subject" text NOT NULL,
	"pipeline_id" uuid,
	"process" text,
	"title" text NOT NULL,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"monthly_saving" numeric,
	"currency" char(3),
	"status" "recommendation_status" DEFAULT 'OPEN' NOT NULL,
	"status_changed_at" timestamp with time zone,
	"status_changed_by" uuid,
	"refreshed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "recommendations_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
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
CREATE TABLE "pipeline_profiles" (
	"org_id" uuid NOT NULL,
	"pipeline" text NOT NULL,
	"process" text NOT NULL,
	"tasks_per_sample" double precision NOT NULL,
	"cpus" double precision,
	"memory_bytes" double precision,
	"position" double precision,
	"vm_size" text,
	"runs" integer NOT NULL,
	"tasks" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pipeline_profiles_pkey" PRIMARY KEY("org_id","pipeline","process")
);
--> statement-breakpoint
CREATE TABLE "cost_reports" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"month" date NOT NULL,
	"csv" text NOT NULL,
	"html" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_reports_pkey" PRIMARY KEY("org_id","id")
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
ALTER TABLE "allocation_rules" ADD CONSTRAINT "allocation_rules_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "estimate_errors" ADD CONSTRAINT "estimate_errors_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "estimate_errors" ADD CONSTRAINT "estimate_errors_run_fk" FOREIGN KEY ("org_id","run_id") REFERENCES "public"."runs"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliations" ADD CONSTRAINT "reconciliations_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "anomalies" ADD CONSTRAINT "anomalies_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_project_fk" FOREIGN KEY ("org_id","project_id") REFERENCES "public"."projects"("org_id","id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "required_tag_keys" ADD CONSTRAINT "required_tag_keys_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendations" ADD CONSTRAINT "recommendations_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_profiles" ADD CONSTRAINT "pipeline_profiles_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_reports" ADD CONSTRAINT "cost_reports_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_reports" ADD CONSTRAINT "cost_reports_project_fk" FOREIGN KEY ("org_id","project_id") REFERENCES "public"."projects"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_channels" ADD CONSTRAINT "webhook_channels_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_channel_fk" FOREIGN KEY ("org_id","channel_id") REFERENCES "public"."webhook_channels"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_alert_fk" FOREIGN KEY ("org_id","alert_id") REFERENCES "public"."alerts"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "allocation_rules_org_priority_key" ON "allocation_rules" USING btree ("org_id","priority");--> statement-breakpoint
CREATE INDEX "allocations_org_period_idx" ON "allocations" USING btree ("org_id","charge_period_start");--> statement-breakpoint
CREATE INDEX "allocations_org_run_idx" ON "allocations" USING btree ("org_id","run_id");--> statement-breakpoint
CREATE INDEX "allocations_org_line_idx" ON "allocations" USING btree ("org_id","cost_record_id");--> statement-breakpoint
CREATE UNIQUE INDEX "estimate_errors_org_estimate_key" ON "estimate_errors" USING btree ("org_id","estimate_id");--> statement-breakpoint
CREATE INDEX "estimate_errors_org_pipeline_model_idx" ON "estimate_errors" USING btree ("org_id","pipeline_id","model_name","model_version");--> statement-breakpoint
CREATE INDEX "reconciliations_org_started_idx" ON "reconciliations" USING btree ("org_id","started_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "anomalies_org_day_dimension_key" ON "anomalies" USING btree ("org_id","day","dimension","dimension_key","dimension_value","currency");--> statement-breakpoint
CREATE INDEX "anomalies_org_day_idx" ON "anomalies" USING btree ("org_id","day","id");--> statement-breakpoint
CREATE UNIQUE INDEX "budgets_org_name_key" ON "budgets" USING btree ("org_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "recommendations_org_kind_subject_key" ON "recommendations" USING btree ("org_id","kind","subject");--> statement-breakpoint
CREATE INDEX "recommendations_org_status_idx" ON "recommendations" USING btree ("org_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_champion_key" ON "model_versions" USING btree ("org_id","target","scope","pipeline","process") WHERE "model_versions"."champion";--> statement-breakpoint
CREATE INDEX "model_versions_org_trained_idx" ON "model_versions" USING btree ("org_id","trained_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "cost_reports_org_project_month_key" ON "cost_reports" USING btree ("org_id","project_id","month");--> statement-breakpoint
CREATE INDEX "cost_reports_org_month_idx" ON "cost_reports" USING btree ("org_id","month");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_channels_org_name_key" ON "webhook_channels" USING btree ("org_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_org_channel_alert_key" ON "webhook_deliveries" USING btree ("org_id","channel_id","alert_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_org_channel_created_idx" ON "webhook_deliveries" USING btree ("org_id","channel_id","created_at","id");--> statement-breakpoint
CREATE INDEX "alerts_org_cooldown_idx" ON "alerts" USING btree ("org_id","cooldown_key","raised_at") WHERE "alerts"."cooldown_key" is not null;--> statement-breakpoint
CREATE INDEX "prices_provider_size_ci_idx" ON "prices" USING btree ("provider",lower("vm_size"));