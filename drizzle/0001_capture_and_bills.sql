CREATE TYPE "public"."connection_auth" AS ENUM('CLIENT_SECRET', 'MANAGED_IDENTITY');--> statement-breakpoint
CREATE TYPE "public"."sync_status" AS ENUM('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED');--> statement-breakpoint
CREATE TYPE "public"."import_kind" AS ENUM('TRACE', 'COSTS');--> statement-breakpoint
CREATE TYPE "public"."import_status" AS ENUM('RUNNING', 'SUCCEEDED', 'FAILED');--> statement-breakpoint
CREATE TABLE "cost_connections" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"provider" text DEFAULT 'azure' NOT NULL,
	"scope" text NOT NULL,
	"auth" "connection_auth" NOT NULL,
	"tenant_id" text,
	"client_id" text,
	"secret_encrypted" text,
	"window_days" integer DEFAULT 5 NOT NULL,
	"group_by" jsonb,
	"cost_type" text DEFAULT 'ActualCost' NOT NULL,
	"last_status" "sync_status",
	"last_sync_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_connections_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "cost_syncs" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"connection_id" uuid NOT NULL,
	"job_id" text,
	"window_start" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"status" "sync_status" DEFAULT 'QUEUED' NOT NULL,
	"rows" integer DEFAULT 0 NOT NULL,
	"totals" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	"duration_ms" integer,
	"error" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cost_syncs_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "import_rejects" (
	"org_id" uuid NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "import_rejects_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"import_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"raw" text NOT NULL,
	"reason" text NOT NULL,
	CONSTRAINT "import_rejects_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "imports" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"kind" "import_kind" NOT NULL,
	"status" "import_status" DEFAULT 'RUNNING' NOT NULL,
	"file_name" text,
	"format" text,
	"run_id" uuid,
	"principal_id" uuid,
	"rows_read" integer DEFAULT 0 NOT NULL,
	"rows_loaded" integer DEFAULT 0 NOT NULL,
	"rows_created" integer DEFAULT 0 NOT NULL,
	"rows_updated" integer DEFAULT 0 NOT NULL,
	"rows_unchanged" integer DEFAULT 0 NOT NULL,
	"rows_rejected" integer DEFAULT 0 NOT NULL,
	"report" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "imports_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "pools" (
	"org_id" uuid NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"provider" text DEFAULT 'azure' NOT NULL,
	"region" text NOT NULL,
	"vm_size" text NOT NULL,
	"priority" "vm_priority" DEFAULT 'DEDICATED' NOT NULL,
	"resource_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pools_pkey" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
ALTER TABLE "cost_connections" ADD CONSTRAINT "cost_connections_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cost_syncs" ADD CONSTRAINT "cost_syncs_connection_fk" FOREIGN KEY ("org_id","connection_id") REFERENCES "public"."cost_connections"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "import_rejects" ADD CONSTRAINT "import_rejects_import_fk" FOREIGN KEY ("org_id","import_id") REFERENCES "public"."imports"("org_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "imports" ADD CONSTRAINT "imports_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pools" ADD CONSTRAINT "pools_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cost_syncs_org_connection_created_idx" ON "cost_syncs" USING btree ("org_id","connection_id","created_at");--> statement-breakpoint
CREATE INDEX "import_rejects_org_import_line_idx" ON "import_rejects" USING btree ("org_id","import_id","line");--> statement-breakpoint
CREATE INDEX "imports_org_kind_started_idx" ON "imports" USING btree ("org_id","kind","started_at");--> statement-breakpoint
CREATE UNIQUE INDEX "pools_org_name_key" ON "pools" USING btree ("org_id","name");