CREATE TYPE "public"."recommendation_kind" AS ENUM('RIGHTSIZE_MEMORY', 'RIGHTSIZE_CPU', 'LOW_PRIORITY', 'FAILED_WORK', 'IDLE_POOL');--> statement-breakpoint
CREATE TYPE "public"."recommendation_status" AS ENUM('OPEN', 'ACCEPTED', 'DISMISSED');--> statement-breakpoint
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
ALTER TABLE "recommendations" ADD CONSTRAINT "recommendations_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "recommendations_org_kind_subject_key" ON "recommendations" USING btree ("org_id","kind","subject");--> statement-breakpoint
CREATE INDEX "recommendations_org_status_idx" ON "recommendations" USING btree ("org_id","status");