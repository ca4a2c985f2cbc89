-- Custom SQL migration file, put your code below! --
-- cost_records becomes a table partitioned by month of charge_period_start. Drizzle cannot declare
-- partitions, so this migration is hand-written: the table keeps the columns, keys and index names of
-- src/db/schema/costs.ts (the snapshot drizzle-kit diffs against stays true), only its storage changes.
-- New months are created as rows arrive, by cost_records_ensure_partitions below.
ALTER TABLE "cost_records" RENAME TO "cost_records_unpartitioned";--> statement-breakpoint
ALTER TABLE "cost_records_unpartitioned" RENAME CONSTRAINT "cost_records_pkey" TO "cost_records_unpartitioned_pkey";--> statement-breakpoint
ALTER INDEX "cost_records_org_row_hash_key" RENAME TO "cost_records_unpartitioned_row_hash_key";--> statement-breakpoint
CREATE TABLE "cost_records" (LIKE "cost_records_unpartitioned" INCLUDING DEFAULTS INCLUDING IDENTITY) PARTITION BY RANGE ("charge_period_start");--> statement-breakpoint
ALTER TABLE "cost_records" ADD CONSTRAINT "cost_records_pkey" PRIMARY KEY ("org_id", "charge_period_start", "id");--> statement-breakpoint
CREATE UNIQUE INDEX "cost_records_org_row_hash_key" ON "cost_records" USING btree ("org_id", "row_hash", "charge_period_start");--> statement-breakpoint
DO $$
DECLARE
  month timestamp;
BEGIN
  FOR month IN SELECT DISTINCT date_trunc('month', "charge_period_start" AT TIME ZONE 'UTC') FROM "cost_records_unpartitioned" LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "cost_records" FOR VALUES FROM (%L) TO (%L)',
      'cost_records_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM'),
      to_char(month, 'YYYY-MM-DD"T00:00:00Z"'), to_char(month + interval '1 month', 'YYYY-MM-DD"T00:00:00Z"'));
  END LOOP;
END $$;--> statement-breakpoint
INSERT INTO "cost_records" OVERRIDING SYSTEM VALUE SELECT * FROM "cost_records_unpartitioned";--> statement-breakpoint
SELECT setval(pg_get_serial_sequence('"cost_records"', 'id'), coalesce((SELECT max("id") FROM "cost_records"), 0) + 1, false);--> statement-breakpoint
DROP TABLE "cost_records_unpartitioned";--> statement-breakpoint
-- Creates the missing monthly partitions for charge periods starting from first_start to last_start,
-- in the caller's transaction. Each is created as a plain table and then attached: CREATE TABLE …
-- PARTITION OF would hold ACCESS EXCLUSIVE on all of cost_records until the loading transaction ends,
-- blocking every reader for the length of an import; ATTACH takes SHARE UPDATE EXCLUSIVE, which
-- readers and other loads pass. Creators take turns on that same lock, taken up front, and look again
-- once they hold it, since another transaction may have created the month meanwhile (taking a table
-- lock also makes this session see catalog changes committed while it waited; an advisory lock does
-- not, and the second creator failed with "already exists"). Returns how many were created.
CREATE FUNCTION "cost_records_ensure_partitions"(first_start timestamptz, last_start timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  month timestamp := date_trunc('month', first_start AT TIME ZONE 'UTC');
  last_month timestamp := date_trunc('month', last_start AT TIME ZONE 'UTC');
  name text;
  locked boolean := false;
  created integer := 0;
BEGIN
  IF last_month > month + interval '10 years' THEN
    RAISE EXCEPTION 'cost_records_ensure_partitions: % to % spans more than ten years of monthly partitions', first_start, last_start;
  END IF;
  WHILE month <= last_month LOOP
    name := 'cost_records_y' || to_char(month, 'YYYY') || 'm' || to_char(month, 'MM');
    IF to_regclass(quote_ident(name)) IS NULL THEN
      IF NOT locked THEN
        LOCK TABLE "cost_records" IN SHARE UPDATE EXCLUSIVE MODE;
        locked := true;
        CONTINUE;
      END IF;
      EXECUTE format('CREATE TABLE %I (LIKE "cost_records" INCLUDING DEFAULTS)', name);
      EXECUTE format('ALTER TABLE "cost_records" ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        name, to_char(month, 'YYYY-MM-DD"T00:00:00Z"'), to_char(month + interval '1 month', 'YYYY-MM-DD"T00:00:00Z"'));
      created := created + 1;
    END IF;
    month := month + interval '1 month';
  END LOOP;
  RETURN created;
END $$;
