CREATE TABLE "cost_file_coverage" (
	"org_id" uuid NOT NULL,
	"scope" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"import_id" uuid NOT NULL,
	CONSTRAINT "cost_file_coverage_pkey" PRIMARY KEY("org_id","scope","period_start","import_id")
);
--> statement-breakpoint
ALTER TABLE "cost_syncs" ADD COLUMN "rows_superseded" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "cost_syncs" ADD COLUMN "totals_superseded" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "cost_file_coverage" ADD CONSTRAINT "cost_file_coverage_import_fk" FOREIGN KEY ("org_id","import_id") REFERENCES "public"."imports"("org_id","id") ON DELETE cascade ON UPDATE no action;