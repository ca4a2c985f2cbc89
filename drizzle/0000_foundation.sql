CREATE TYPE "public"."estimate_kind" AS ENUM('QUOTE', 'LIVE', 'TASK');--> statement-breakpoint
CREATE TYPE "public"."principal_kind" AS ENUM('USER', 'API_KEY');--> statement-breakpoint
CREATE TYPE "public"."role" AS ENUM('VIEWER', 'ANALYST', 'ADMIN');--> statement-breakpoint
CREATE TYPE "public"."run_status" AS ENUM('REGISTERED', 'RUNNING', 'SUCCEEDED', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."task_status" AS ENUM('NEW', 'SUBMITTED', 'RUNNING', 'COMPLETED', 'FAILED', 'ABORTED', 'CACHED');--> statement-breakpoint
CREATE TYPE "public"."vm_priority" AS ENUM('DEDICATED', 'LOW_PRIORITY', 'SPOT');--> statement-breakpoint
CREATE TABLE "cost_records" (
	"org_id" uuid NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "cost_records_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"provider" text NOT NULL,
	"billing_account_id" text,
	"sub_account_id" text,
	"sub_account_name" text,
	"resource_id" text,
	"resource_name" text,
	"resource_group" text,
	"resource_type" text,
	"service_name" text,
	"service_category" text,
	"sku_id" text,
	"meter" text,
	"region_id" text,
	"charge_category" text,
	"charge_period_start" timestamp with time zone NOT NULL,
	"charge_period_end" timestamp with time zone NOT NULL,
	"billed_cost" numeric NOT NULL,
	"effective_cost" numeric,
	"list_cost" numeric,
	"currency" char(3) NOT NULL,
	"consumed_quantity" numeric,
	"consumed_unit" text,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source" text NOT NULL,
	"source_id" uuid,
	"ingest_batch" uuid,
	"row_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_records_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "estimates" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"run_id" uuid,
	"task_id" bigint,
	"kind" "estimate_kind" NOT NULL,
	"model_name" text NOT NULL,
	"model_version" text NOT NULL,
	"value" numeric NOT NULL,
	"low" numeric,
	"high" numeric,
	"currency" char(3) NOT NULL,
	"features" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "estimates_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"currency" char(3) DEFAULT 'USD' NOT NULL,
	"is_demo" text DEFAULT 'false' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "principals" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"kind" "principal_kind" NOT NULL,
	"name" text NOT NULL,
	"role" "role" NOT NULL,
	"subject" text,
	"key_prefix" text,
	"key_hash" text,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "principals_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "pipelines" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"revision" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pipelines_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"cost_centre" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid,
	"pipeline_id" uuid,
	"session_id" text,
	"run_name" text,
	"status" "run_status" DEFAULT 'REGISTERED' NOT NULL,
	"submitted_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sample_count" integer,
	"input_bytes" bigint,
	"executor" text,
	"region" text,
	"command_line" text,
	"nextflow_version" text,
	"error_message" text,
	"estimated_cost" numeric,
	"actual_cost" numeric,
	"currency" char(3) DEFAULT 'USD' NOT NULL,
	"task_count" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "runs_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"org_id" uuid NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "tasks_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"run_id" uuid NOT NULL,
	"task_id" integer NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"hash" text,
	"native_id" text,
	"process" text,
	"module" text,
	"container" text,
	"tag" text,
	"sample" text,
	"name" text,
	"status" "task_status",
	"exit_code" integer,
	"submitted_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"completed_at" timestamp with time zone,
	"duration_ms" bigint,
	"realtime_ms" bigint,
	"pcpu" double precision,
	"pmem" double precision,
	"rss" bigint,
	"vmem" bigint,
	"peak_rss" bigint,
	"peak_vmem" bigint,
	"rchar" bigint,
	"wchar" bigint,
	"syscr" bigint,
	"syscw" bigint,
	"read_bytes" bigint,
	"write_bytes" bigint,
	"cpus" integer,
	"memory_bytes" bigint,
	"disk_bytes" bigint,
	"time_ms" bigint,
	"workdir" text,
	"scratch" text,
	"queue" text,
	"error_action" text,
	"vol_ctxt" bigint,
	"inv_ctxt" bigint,
	"hostname" text,
	"cpu_model" text,
	"pool" text,
	"node" text,
	"vm_size" text,
	"priority" "vm_priority",
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tasks_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "prices" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "prices_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"provider" text NOT NULL,
	"region" text NOT NULL,
	"vm_size" text NOT NULL,
	"priority" "vm_priority" NOT NULL,
	"vcpus" integer NOT NULL,
	"memory_gib" numeric NOT NULL,
	"price_per_hour" numeric NOT NULL,
	"currency" char(3) NOT NULL,
	"effective_from" date NOT NULL,
	"source" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "estimates" ADD CONSTRAINT "estimates_run_fk" FOREIGN KEY ("org_id","run_id") REFERENCES "public"."runs"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "principals" ADD CONSTRAINT "principals_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipelines" ADD CONSTRAINT "pipelines_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_project_fk" FOREIGN KEY ("org_id","project_id") REFERENCES "public"."projects"("org_id","id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_pipeline_fk" FOREIGN KEY ("org_id","pipeline_id") REFERENCES "public"."pipelines"("org_id","id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_run_fk" FOREIGN KEY ("org_id","run_id") REFERENCES "public"."runs"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "cost_records_org_row_hash_key" ON "cost_records" USING btree ("org_id","row_hash");--> statement-breakpoint
CREATE INDEX "cost_records_org_period_idx" ON "cost_records" USING btree ("org_id","charge_period_start");--> statement-breakpoint
CREATE INDEX "cost_records_org_resource_idx" ON "cost_records" USING btree ("org_id","resource_id","charge_period_start");--> statement-breakpoint
CREATE INDEX "cost_records_org_source_idx" ON "cost_records" USING btree ("org_id","source","source_id","charge_period_start");--> statement-breakpoint
CREATE INDEX "estimates_org_run_created_idx" ON "estimates" USING btree ("org_id","run_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "organizations_slug_key" ON "organizations" USING btree ("slug");--> statement-breakpoint
CREATE UNIQUE INDEX "principals_key_hash_key" ON "principals" USING btree ("key_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "principals_org_subject_key" ON "principals" USING btree ("org_id","subject");--> statement-breakpoint
CREATE INDEX "principals_org_kind_idx" ON "principals" USING btree ("org_id","kind");--> statement-breakpoint
CREATE UNIQUE INDEX "pipelines_org_name_revision_key" ON "pipelines" USING btree ("org_id","name","revision");--> statement-breakpoint
CREATE UNIQUE INDEX "projects_org_code_key" ON "projects" USING btree ("org_id","code");--> statement-breakpoint
CREATE UNIQUE INDEX "runs_org_session_key" ON "runs" USING btree ("org_id","session_id","run_name") WHERE "runs"."session_id" is not null;--> statement-breakpoint
CREATE INDEX "runs_org_created_idx" ON "runs" USING btree ("org_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "runs_org_project_idx" ON "runs" USING btree ("org_id","project_id");--> statement-breakpoint
CREATE INDEX "runs_org_pipeline_idx" ON "runs" USING btree ("org_id","pipeline_id");--> statement-breakpoint
CREATE INDEX "runs_labels_idx" ON "runs" USING gin ("labels");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_org_run_task_attempt_key" ON "tasks" USING btree ("org_id","run_id","task_id","attempt");--> statement-breakpoint
CREATE INDEX "tasks_org_run_process_idx" ON "tasks" USING btree ("org_id","run_id","process");--> statement-breakpoint
CREATE INDEX "tasks_org_pool_start_idx" ON "tasks" USING btree ("org_id","pool","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "prices_lookup_key" ON "prices" USING btree ("provider","region","vm_size","priority","effective_from");--> statement-breakpoint
CREATE INDEX "prices_size_idx" ON "prices" USING btree ("vm_size");