-- row_hash becomes a uuid: the first 128 bits of the sha256 it held as 64 hex digits (the loader now
-- writes that prefix, so a file imported before this migration is still recognised when imported again).
-- Hashes that were not sha256 hex (demo rows) become the md5 of their text, as the demo now writes them.
-- The unique key puts the period before the hash: loads insert into the index day by day.
DROP INDEX "cost_records_org_row_hash_key";--> statement-breakpoint
ALTER TABLE "cost_records" ALTER COLUMN "row_hash" SET DATA TYPE uuid
  USING (CASE WHEN "row_hash" ~ '^[0-9a-f]{64}$' THEN substr("row_hash", 1, 32) ELSE md5("row_hash") END)::uuid;--> statement-breakpoint
CREATE UNIQUE INDEX "cost_records_org_row_hash_key" ON "cost_records" USING btree ("org_id","charge_period_start","row_hash");
