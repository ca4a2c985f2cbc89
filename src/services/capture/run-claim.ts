import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { runs, tasks, type RunRow } from '../../db/schema/index.js';
import { unlistDaysOfRun } from '../cost-rollup.js';
import { lockReconciliations } from '../reconcile-lock.js';
import { forgetTasksXmin } from '../live-estimates.js';
import { mergedColumnSql, mergedSourceSql } from './task-upsert.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** A Nextflow execution's natural key. */
export interface SessionKey {
  sessionId: string;
  runName: string | null;
}

/**
 * Claims the run a LIMS registered (its id came in as a pipeline param) for this Nextflow session.
 * Null when there is no such run or another session already claimed it.
 *
 * Nextflow never resends a lost event, so `started` (usually the first to carry the param) can be missing
 * or late: process events have then captured the session as a run of its own. That run is merged into the
 * registered one before the claim, else the claim would break the session key (runs_org_session_key) for
 * this and every later event of the run. Locks: the registered run, then the captured one, in that order
 * (a process event locks only the captured run, so the two cannot wait on each other), after the
 * reconciliation lock when a merge may follow.
 *
 * Every `started` and `completed` names the run again: once claimed by this session it is only read
 * (key-share locked, as findOrCreateRun does), so such an event does not wait for a trace import into the
 * run. The first claim does not wait for one either, unless it merges a captured run: then it locks both
 * runs for update and waits for an import into either (an import key-share locks its run).
 */
export async function claimRegisteredRun(tx: Tx, orgId: string, runId: string, key: SessionKey): Promise<RunRow | null> {
  const sameSession = and(eq(runs.orgId, orgId), eq(runs.sessionId, key.sessionId), sql`${runs.runName} is not distinct from ${key.runName}`, sql`${runs.id} <> ${runId}::uuid`);
  // a merge moves tasks and allocations: a reconciliation reading them meanwhile would write onto the
  // deleted run. Taken before any run lock, as reconciliations and trace imports take it.
  const [mayMerge] = await tx.select({ id: runs.id }).from(runs).where(sameSession);
  if (mayMerge) await lockReconciliations(tx, orgId, 'shared');
  // (the session key is unique: a run this session claimed leaves no other run of it to merge)
  const [current] = await tx.select().from(runs).where(and(eq(runs.orgId, orgId), eq(runs.id, runId))).for('key share');
  if (!current) return null;
  if (current.sessionId === key.sessionId && current.runName === key.runName) return current;
  if (current.sessionId !== null) return null;
  // Claims of one run take turns on its row. Without a run to merge, the claim writes only the session key,
  // whose unique index is partial and so not a key to row locks: `no key update` is enough, and it does not
  // wait for an import into the run (key share) beyond the import's last statements; the import ends the run
  // as if the claim came after it (trace-import.ts). A merge waits for such an import (`update` conflicts with
  // key share): it moves and fills task rows the import may hold, and holding this run's row meanwhile would
  // deadlock with the import's own write lock on it at its end.
  const [registered] = await tx.select().from(runs).where(and(eq(runs.orgId, orgId), eq(runs.id, runId))).for(mayMerge ? 'update' : 'no key update');
  if (!registered) return null;
  const ours = registered.sessionId === key.sessionId && registered.runName === key.runName;
  if (registered.sessionId !== null && !ours) return null;
  if (!ours) {
    const [captured] = mayMerge ? await tx.select().from(runs).where(sameSession).for('update') : [];
    if (captured) await mergeRunInto(tx, orgId, captured, registered);
  }
  const [run] = await tx
    .update(runs)
    .set({ sessionId: key.sessionId, runName: key.runName, updatedAt: new Date() })
    .where(and(eq(runs.orgId, orgId), eq(runs.id, runId)))
    .returning();
  return run;
}

/** Task columns that hold facts (not keys, provenance or bookkeeping). */
const TASK_FACTS = Object.values(getTableColumns(tasks))
  .map((c) => c.name)
  .filter((name) => !['org_id', 'id', 'run_id', 'task_id', 'source', 'created_at', 'updated_at'].includes(name));

/**
 * Rows that name a run by id besides its tasks: they follow the run. No foreign keys on most of them
 * (see allocations), so a new table keyed by run belongs here too.
 */
const KEYED_BY_RUN = ['estimates', 'estimate_errors', 'allocations', 'cost_daily', 'imports'] as const;

/**
 * Moves everything of run `from` onto run `into` and deletes `from`:
 * 1. a task both runs hold (a trace imported into the registered run before the claim) is `into`'s row, its
 *    facts merged with `from`'s as upserting `from`'s would (the record of the later status leads: upsertTasks);
 *    `from`'s task estimates for it go (the next re-estimate prices the kept row) and its allocations follow
 *    the kept row, so every bill line's allocations still sum to its cost;
 * 2. the other tasks, and every row keyed by run, change run (`from`'s LIVE rows without their snapshot xmin: live-estimates.ts);
 * 3. `into` keeps its own facts and takes `from`'s where it has none (its status never moves back); its tasks
 *    are recounted and it is no longer billed in full.
 */
async function mergeRunInto(tx: Tx, orgId: string, from: RunRow, into: RunRow): Promise<void> {
  // the rollup holds their days under the names their runs had: `from`'s pieces become `into`'s, perhaps another project
  await unlistDaysOfRun(tx as unknown as Db, orgId, from.id);
  await unlistDaysOfRun(tx as unknown as Db, orgId, into.id);
  const both = sql`f.org_id = ${orgId} and f.run_id = ${from.id} and i.org_id = ${orgId} and i.run_id = ${into.id} and i.task_id = f.task_id`;
  // as if `from`'s row were upserted onto `into`'s (task-upsert.ts): the record of the later status leads
  const fill = sql.raw([...TASK_FACTS.map((c) => `"${c}" = ${mergedColumnSql(c, 'f', 'i')}`), `"source" = ${mergedSourceSql('f', 'i')}`].join(', '));
  await tx.execute(sql`update tasks i set ${fill}, updated_at = clock_timestamp() from tasks f where ${both}`);
  await tx.execute(sql`update allocations a set task_id = i.id from tasks f, tasks i where ${both} and a.org_id = ${orgId} and a.task_id = f.id`);
  await tx.execute(sql`delete from estimates e using tasks f, tasks i where ${both} and e.org_id = ${orgId} and e.task_id = f.id`);
  await tx.execute(sql`delete from tasks f using tasks i where ${both}`);
  await tx.execute(sql`update tasks set run_id = ${into.id} where org_id = ${orgId} and run_id = ${from.id}`);
  // `from`'s live figures become `into`'s history; what they tell the next re-price applies to `from`'s tasks only
  await forgetTasksXmin(tx as unknown as Db, orgId, from.id);
  for (const table of KEYED_BY_RUN) {
    await tx.execute(sql`update ${sql.identifier(table)} set run_id = ${into.id} where org_id = ${orgId} and run_id = ${from.id}`);
  }
  // an alert about `from` (its estimate's drift) would send a listener to a run that is gone
  await tx.execute(sql`
    update alerts set subject = jsonb_set(subject, '{runId}', to_jsonb(${into.id}::text)), message = replace(message, ${from.id}, ${into.id}), updated_at = now()
    where org_id = ${orgId} and subject->>'runId' = ${from.id}`);
  await tx.execute(sql`
    update runs i set
      status = case when i.status in ('SUCCEEDED', 'FAILED') then i.status
                    when f.status in ('SUCCEEDED', 'FAILED', 'RUNNING') then f.status else i.status end,
      project_id = coalesce(i.project_id, f.project_id),
      pipeline_id = coalesce(i.pipeline_id, f.pipeline_id),
      submitted_at = coalesce(i.submitted_at, f.submitted_at),
      started_at = coalesce(i.started_at, f.started_at),
      completed_at = coalesce(i.completed_at, f.completed_at),
      params = case when i.params = '{}'::jsonb then f.params else i.params end,
      labels = f.labels || i.labels,
      sample_count = coalesce(i.sample_count, f.sample_count),
      input_bytes = coalesce(i.input_bytes, f.input_bytes),
      executor = coalesce(i.executor, f.executor),
      region = coalesce(i.region, f.region),
      command_line = coalesce(i.command_line, f.command_line),
      nextflow_version = coalesce(i.nextflow_version, f.nextflow_version),
      error_message = coalesce(i.error_message, f.error_message),
      -- the captured run's is a live estimate, newer than a registration's quote
      estimated_cost = coalesce(f.estimated_cost, i.estimated_cost),
      actual_cost = coalesce(i.actual_cost, f.actual_cost),
      task_count = (select count(*) from tasks t where t.org_id = ${orgId} and t.run_id = ${into.id}),
      billed_in_full = false,
      updated_at = now()
    from runs f
    where i.org_id = ${orgId} and i.id = ${into.id} and f.org_id = ${orgId} and f.id = ${from.id}`);
  await tx.execute(sql`delete from runs where org_id = ${orgId} and id = ${from.id}`);
}
