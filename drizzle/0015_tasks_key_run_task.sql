-- A task is keyed by (run, task_id): Nextflow gives every retry a new task_id, so task_id is unique in a run
-- and `attempt` becomes an ordinary fact, null when no source said (Nextflow's default trace fields lack it).
-- Under the old key (run, task_id, attempt) a trace without an `attempt` column stored a retried task that
-- the weblog had sent as attempt 2 a second time, as attempt 1, and the run counted it twice. Databases
-- that hold such duplicates are merged here, before the new unique index, so the upgrade cannot fail on them.
-- Per (org, run, task_id) the kept row is the trace's (the complete record, as the upsert has it), then the
-- one with most facts, then the latest attempt, then the newest row; it takes the group's highest attempt (a
-- trace's 1 was a default) and fills its missing facts from the next-ranked row. The removed rows' task
-- estimates priced a task that did not exist and go (the run's next re-estimate prices the kept one); their
-- allocations move to the kept row, so every bill line's allocations still sum to its cost; the runs touched
-- are no longer billed in full (their next reconciliation sees one task) and their task count is recounted.
DROP INDEX "tasks_org_run_task_attempt_key";--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "attempt" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "tasks" ALTER COLUMN "attempt" DROP NOT NULL;--> statement-breakpoint
CREATE TEMP TABLE "tasks_merged" ON COMMIT DROP AS
WITH "dup" AS (SELECT "org_id", "run_id", "task_id" FROM "tasks" GROUP BY 1, 2, 3 HAVING count(*) > 1)
SELECT t."org_id", t."run_id", t."id",
       first_value(t."id") OVER "best" AS "kept_id",
       row_number() OVER "best" AS "rank",
       max(t."attempt") OVER (PARTITION BY t."org_id", t."run_id", t."task_id") AS "attempt"
FROM "tasks" t JOIN "dup" USING ("org_id", "run_id", "task_id")
WINDOW "best" AS (PARTITION BY t."org_id", t."run_id", t."task_id"
                  ORDER BY (t."source" = 'trace') DESC,
                           (SELECT count(*) FROM json_each(row_to_json(t)) j WHERE j.value::text <> 'null') DESC,
                           t."attempt" DESC, t."id" DESC);--> statement-breakpoint
UPDATE "tasks" k SET
    "attempt" = m."attempt",
    "hash" = coalesce(k."hash", o."hash"),
    "native_id" = coalesce(k."native_id", o."native_id"),
    "process" = coalesce(k."process", o."process"),
    "module" = coalesce(k."module", o."module"),
    "container" = coalesce(k."container", o."container"),
    "tag" = coalesce(k."tag", o."tag"),
    "sample" = coalesce(k."sample", o."sample"),
    "name" = coalesce(k."name", o."name"),
    "status" = coalesce(k."status", o."status"),
    "exit_code" = coalesce(k."exit_code", o."exit_code"),
    "submitted_at" = coalesce(k."submitted_at", o."submitted_at"),
    "started_at" = coalesce(k."started_at", o."started_at"),
    "completed_at" = coalesce(k."completed_at", o."completed_at"),
    "duration_ms" = coalesce(k."duration_ms", o."duration_ms"),
    "realtime_ms" = coalesce(k."realtime_ms", o."realtime_ms"),
    "pcpu" = coalesce(k."pcpu", o."pcpu"),
    "pmem" = coalesce(k."pmem", o."pmem"),
    "rss" = coalesce(k."rss", o."rss"),
    "vmem" = coalesce(k."vmem", o."vmem"),
    "peak_rss" = coalesce(k."peak_rss", o."peak_rss"),
    "peak_vmem" = coalesce(k."peak_vmem", o."peak_vmem"),
    "rchar" = coalesce(k."rchar", o."rchar"),
    "wchar" = coalesce(k."wchar", o."wchar"),
    "syscr" = coalesce(k."syscr", o."syscr"),
    "syscw" = coalesce(k."syscw", o."syscw"),
    "read_bytes" = coalesce(k."read_bytes", o."read_bytes"),
    "write_bytes" = coalesce(k."write_bytes", o."write_bytes"),
    "cpus" = coalesce(k."cpus", o."cpus"),
    "memory_bytes" = coalesce(k."memory_bytes", o."memory_bytes"),
    "disk_bytes" = coalesce(k."disk_bytes", o."disk_bytes"),
    "time_ms" = coalesce(k."time_ms", o."time_ms"),
    "workdir" = coalesce(k."workdir", o."workdir"),
    "scratch" = coalesce(k."scratch", o."scratch"),
    "queue" = coalesce(k."queue", o."queue"),
    "error_action" = coalesce(k."error_action", o."error_action"),
    "vol_ctxt" = coalesce(k."vol_ctxt", o."vol_ctxt"),
    "inv_ctxt" = coalesce(k."inv_ctxt", o."inv_ctxt"),
    "hostname" = coalesce(k."hostname", o."hostname"),
    "cpu_model" = coalesce(k."cpu_model", o."cpu_model"),
    "pool" = coalesce(k."pool", o."pool"),
    "node" = coalesce(k."node", o."node"),
    "vm_size" = coalesce(k."vm_size", o."vm_size"),
    "priority" = coalesce(k."priority", o."priority"),
    "updated_at" = now()
FROM "tasks_merged" m, "tasks_merged" n, "tasks" o
WHERE m."rank" = 1 AND k."org_id" = m."org_id" AND k."id" = m."id"
  AND n."kept_id" = m."id" AND n."rank" = 2 AND o."org_id" = n."org_id" AND o."id" = n."id";--> statement-breakpoint
-- the run's figure (its latest live estimate: spent + remainder) priced the phantom task too: take its TASK
-- estimates out of it, since a finished run gets no further event to re-estimate it
UPDATE "runs" r SET "estimated_cost" = greatest(r."estimated_cost" - d."phantom", 0)
FROM (SELECT e."org_id", e."run_id", sum(e."value") AS "phantom" FROM "estimates" e
      JOIN "tasks_merged" m ON m."rank" > 1 AND e."org_id" = m."org_id" AND e."task_id" = m."id"
      WHERE e."kind" = 'TASK' GROUP BY 1, 2) d
WHERE r."org_id" = d."org_id" AND r."id" = d."run_id" AND r."estimated_cost" IS NOT NULL;--> statement-breakpoint
DELETE FROM "estimates" e USING "tasks_merged" m WHERE m."rank" > 1 AND e."org_id" = m."org_id" AND e."task_id" = m."id";--> statement-breakpoint
UPDATE "allocations" a SET "task_id" = m."kept_id" FROM "tasks_merged" m WHERE m."rank" > 1 AND a."org_id" = m."org_id" AND a."task_id" = m."id";--> statement-breakpoint
DELETE FROM "tasks" t USING "tasks_merged" m WHERE m."rank" > 1 AND t."org_id" = m."org_id" AND t."id" = m."id";--> statement-breakpoint
UPDATE "runs" r SET "billed_in_full" = false, "updated_at" = now(),
    "task_count" = (SELECT count(*) FROM "tasks" t WHERE t."org_id" = r."org_id" AND t."run_id" = r."id")
WHERE (r."org_id", r."id") IN (SELECT "org_id", "run_id" FROM "tasks_merged");--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_org_run_task_key" ON "tasks" USING btree ("org_id","run_id","task_id");