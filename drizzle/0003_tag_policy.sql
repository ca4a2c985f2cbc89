CREATE TABLE "required_tag_keys" (
	"org_id" uuid NOT NULL,
	"key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "required_tag_keys_pkey" PRIMARY KEY("org_id","key")
);
--> statement-breakpoint
ALTER TABLE "required_tag_keys" ADD CONSTRAINT "required_tag_keys_org_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;