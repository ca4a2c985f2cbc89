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
ALTER TABLE "pipeline_profiles" ADD CONSTRAINT "pipeline_profiles_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;