import { sql } from 'drizzle-orm';
import type { Executor } from './task-upsert.js';

/**
 * Fills a run's missing task start and end from the times Nextflow's default trace fields do have
 * (submit, duration, realtime; no start or complete): reconciliation places a task on its node from
 * started_at, and billed-in-full and a run's end read completed_at, so without them such a task is
 * never allocated. The values are derived, not read: duration runs from submission to completion and
 * realtime is the process's own run, so the task ended at submit + duration and started realtime before.
 * Only null times are filled: a start or end a source did send is never replaced by a derived one.
 * Returns how many tasks changed.
 */
export async function deriveTaskTimes(db: Executor, orgId: string, runId: string): Promise<number> {
  const rows = (await db.execute(sql`
    update tasks set
      started_at = coalesce(started_at, submitted_at + greatest(duration_ms - realtime_ms, 0) * interval '1 millisecond'),
      completed_at = coalesce(completed_at, submitted_at + duration_ms * interval '1 millisecond'),
      updated_at = clock_timestamp()
    where org_id = ${orgId} and run_id = ${runId} and submitted_at is not null and duration_ms is not null
      and (completed_at is null or (started_at is null and realtime_ms is not null))
    returning 1`)) as unknown as unknown[];
  return rows.length;
}
