-- A bill line is known by its row hash: cost_records' primary key becomes (org, period, row hash) and
-- its serial id goes, with the second index it needed on every loaded row (bench/cost-import: about a
-- quarter of the COPY's Postgres time). Allocations name their line by that hash, and one index
-- (org, period, line) takes the place of the period index and the line index.
DROP INDEX "allocations_org_period_idx";--> statement-breakpoint
DROP INDEX "allocations_org_line_idx";--> statement-breakpoint
ALTER TABLE "allocations" ADD COLUMN "cost_row_hash" uuid;--> statement-breakpoint
-- An allocation whose line a sync has replaced since (until the reconcile that sync queued replaces the
-- window's allocations) gets a hash no line has: it stays where the run totals and idle-pool figures read
-- it, and the window's next reconcile still finds it, and its run, to replace.
UPDATE "allocations" a SET "cost_row_hash" = coalesce(
    (SELECT c."row_hash" FROM "cost_records" c
      WHERE c."org_id" = a."org_id" AND c."charge_period_start" = a."charge_period_start" AND c."id" = a."cost_record_id"),
    gen_random_uuid());--> statement-breakpoint
ALTER TABLE "allocations" ALTER COLUMN "cost_row_hash" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "allocations" DROP COLUMN "cost_record_id";--> statement-breakpoint
CREATE INDEX "allocations_org_period_line_idx" ON "allocations" USING btree ("org_id","charge_period_start","cost_row_hash");--> statement-breakpoint
ALTER TABLE "cost_records" DROP CONSTRAINT "cost_records_pkey";--> statement-breakpoint
ALTER TABLE "cost_records" DROP COLUMN "id";--> statement-breakpoint
DROP INDEX "cost_records_org_row_hash_key";--> statement-breakpoint
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_pkey" PRIMARY KEY ("org_id", "charge_period_start", "row_hash");
