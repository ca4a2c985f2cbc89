CREATE TYPE "public"."allocation_kind" AS ENUM('TASK', 'IDLE', 'UNALLOCATED');--> statement-breakpoint
CREATE TYPE "public"."reconciliation_status" AS ENUM('RUNNING', 'SUCCEEDED', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."recommendation_kind" AS ENUM('RIGHTSIZE_MEMORY', 'RIGHTSIZE_CPU', 'LOW_PRIORITY', 'FAILED_WORK', 'IDLE_POOL');--> statement-breakpoint
CREATE TYPE "public"."recommendation_status" AS ENUM('OPEN', 'ACCEPTED', 'DISMISSED');--> statement-breakpoint
CREATE TYPE "public"."model_scope" AS ENUM('PIPELINE', 'PROCESS');--> statement-breakpoint
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
ALTER TABLE "allocation_rules" ADD CONSTRAINT "allocation_rules_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "estimate_errors" ADD CONSTRAINT "estimate_errors_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "estimate_errors" ADD CONSTRAINT "estimate_errors_run_fk" FOREIGN KEY ("org_id","run_id") REFERENCES "public"."runs"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reconciliations" ADD CONSTRAINT "reconciliations_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "required_tag_keys" ADD CONSTRAINT "required_tag_keys_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "recommendations" ADD CONSTRAINT "recommendations_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_versions" ADD CONSTRAINT "model_versions_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_profiles" ADD CONSTRAINT "pipeline_profiles_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_reports" ADD CONSTRAINT "cost_reports_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_reports" ADD CONSTRAINT "cost_reports_project_fk" FOREIGN KEY ("org_id","project_id") REFERENCES "public"."projects"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "allocation_rules_org_priority_key" ON "allocation_rules" USING btree ("org_id","priority");--> statement-breakpoint
CREATE INDEX "allocations_org_period_idx" ON "allocations" USING btree ("org_id","charge_period_start");--> statement-breakpoint
CREATE INDEX "allocations_org_run_idx" ON "allocations" USING btree ("org_id","run_id");--> statement-breakpoint
CREATE INDEX "allocations_org_line_idx" ON "allocations" USING btree ("org_id","cost_record_id");--> statement-breakpoint
CREATE UNIQUE INDEX "estimate_errors_org_estimate_key" ON "estimate_errors" USING btree ("org_id","estimate_id");--> statement-breakpoint
CREATE INDEX "estimate_errors_org_pipeline_model_idx" ON "estimate_errors" USING btree ("org_id","pipeline_id","model_name","model_version");--> statement-breakpoint
CREATE INDEX "reconciliations_org_started_idx" ON "reconciliations" USING btree ("org_id","started_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "recommendations_org_kind_subject_key" ON "recommendations" USING btree ("org_id","kind","subject");--> statement-breakpoint
CREATE INDEX "recommendations_org_status_idx" ON "recommendations" USING btree ("org_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "model_versions_champion_key" ON "model_versions" USING btree ("org_id","target","scope","pipeline","process") WHERE "model_versions"."champion";--> statement-breakpoint
CREATE INDEX "model_versions_org_trained_idx" ON "model_versions" USING btree ("org_id","trained_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "cost_reports_org_project_month_key" ON "cost_reports" USING btree ("org_id","project_id","month");--> statement-breakpoint
CREATE INDEX "cost_reports_org_month_idx" ON "cost_reports" USING btree ("org_id","month");--> statement-breakpoint
CREATE INDEX "prices_provider_size_ci_idx" ON "prices" USING btree ("provider",lower("vm_size"));