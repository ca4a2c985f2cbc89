-- A bill line is known by its row hash: cost_records' primary key becomes (org, period, row hash) and
-- its serial id goes, with the second index it needed on every loaded row (bench/cost-import: about a
-- quarter of the COPY's Postgres time). Allocations name their line by that hash; those whose line no
-- longer exists (replaced by a sync since, left for the next reconcile of their window to replace) are
-- already read by no query, which all join the line, so they are not carried over. One allocations
-- index (org, period, line) takes the place of the period index and the line index.
ALTER TABLE "allocations" ADD COLUMN "cost_row_hash" uuid;--> statement-breakpoint
UPDATE "allocations" a SET "cost_row_hash" = c."row_hash" FROM "cost_records" c
  WHERE c."org_id" = a."org_id" AND c."charge_period_start" = a."charge_period_start" AND c."id" = a."cost_record_id";--> statement-breakpoint
DELETE FROM "allocations" WHERE "cost_row_hash" IS NULL;--> statement-breakpoint
ALTER TABLE "allocations" ALTER COLUMN "cost_row_hash" SET NOT NULL;--> statement-breakpoint
DROP INDEX "allocations_org_period_idx";--> statement-breakpoint
DROP INDEX "allocations_org_line_idx";--> statement-breakpoint
ALTER TABLE "allocations" DROP COLUMN "cost_record_id";--> statement-breakpoint
CREATE INDEX "allocations_org_period_line_idx" ON "allocations" USING btree ("org_id","charge_period_start","cost_row_hash");--> statement-breakpoint
ALTER TABLE "cost_records" DROP CONSTRAINT "cost_records_pkey";--> statement-breakpoint
ALTER TABLE "cost_records" DROP COLUMN "id";--> statement-breakpoint
DROP INDEX "cost_records_org_row_hash_key";--> statement-breakpoint
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_pkey" PRIMARY KEY ("org_id", "charge_period_start", "row_hash");
