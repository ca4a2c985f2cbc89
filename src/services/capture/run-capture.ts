import { and, eq, sql } from 'drizzle-orm';
import type { CaptureSettings } from '../../config.js';
import { projects, runs, type RunRow, type RunStatus } from '../../db/schema/index.js';
import type { WorkflowInfo } from '../../ingest/nextflow/index.js';
import { unlistDaysOfRun } from '../cost-rollup.js';
import { PipelineService } from '../pipelines.js';
import { orgCurrencySql } from '../org-currency.js';
import { isUuid } from '../runs.js';
import { claimRegisteredRun } from './run-claim.js';
import type { Db } from '../../db/client.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Lock namespace (first key of pg_advisory_xact_lock) of one Nextflow session's capture. */
const SESSION_LOCK = 7_240_031;

const statusRank: Record<RunStatus, number> = { REGISTERED: 0, RUNNING: 1, SUCCEEDED: 2, FAILED: 2 };

/** A run never moves back: a late `started` after `completed` leaves it SUCCEEDED or FAILED. */
export const laterStatus = (current: RunStatus, incoming: RunStatus): RunStatus => (statusRank[incoming] > statusRank[current] ? incoming : current);

/**
 * Finds the run a Nextflow execution belongs to, creating it if needed:
 * 1. a run registered by a LIMS whose id came in as the `runIdParam` pipeline param, claimed once (a run
 *    captured for the session before the claim is merged into it: run-claim.ts);
 * 2. else the run with this session id and run name (the natural key);
 * 3. else a new run (the LIMS never announced it; it can be tied to a project later).
 *
 * An existing run is only key-share locked here (it cannot be deleted or merged away meanwhile): a write
 * lock would make the event wait for a trace import into the run, and taken before the task row it would
 * deadlock with one (see `captureWeblogEvent`). Whoever writes the run locks it then, after the task.
 */
export async function findOrCreateRun(
  tx: Tx,
  orgId: string,
  key: { sessionId: string; runName: string | null },
  params: Record<string, unknown> | null,
  settings: CaptureSettings,
): Promise<{ run: RunRow; created: boolean }> {
  // one session's events take turns here: a claim must see the run a concurrent first process event
  // creates, or its session key collides with it (Nextflow sends one at a time; a replay or proxy may not)
  await tx.execute(sql`select pg_advisory_xact_lock(${SESSION_LOCK}, hashtext(${`${orgId}:${key.sessionId}`}))`);
  const claimed = params?.[settings.runIdParam];
  if (typeof claimed === 'string' && isUuid(claimed)) {
    const run = await claimRegisteredRun(tx, orgId, claimed, key);
    if (run) return { run, created: false };
  }
  const byKey = () =>
    tx
      .select()
      .from(runs)
      .where(and(eq(runs.orgId, orgId), eq(runs.sessionId, key.sessionId), sql`${runs.runName} is not distinct from ${key.runName}`))
      .for('key share');
  const [existing] = await byKey();
  if (existing) return { run: existing, created: false };
  // concurrent events of one new run race here: the unique key picks one insert, the others read it
  const [inserted] = await tx
    .insert(runs)
    .values({ orgId, sessionId: key.sessionId, runName: key.runName, status: 'RUNNING', currency: orgCurrencySql(orgId) })
    .onConflictDoNothing()
    .returning();
  if (inserted) return { run: inserted, created: true };
  const [raced] = await byKey();
  return { run: raced, created: false };
}

/**
 * Applies a `started` / `completed` event's workflow metadata to the run. The patch is worked out from the
 * run as it is once locked, not as `found` read it (a trace import may have settled it since).
 */
export async function applyWorkflowInfo(
  tx: Tx,
  found: RunRow,
  event: 'started' | 'completed',
  info: WorkflowInfo,
  settings: CaptureSettings,
): Promise<RunRow> {
  const [run] = await tx.select().from(runs).where(and(eq(runs.orgId, found.orgId), eq(runs.id, found.id))).for('no key update');
  const status: RunStatus = event === 'completed' ? (info.success === false ? 'FAILED' : 'SUCCEEDED') : 'RUNNING';
  const patch: Partial<typeof runs.$inferInsert> = { status: laterStatus(run.status, status), updatedAt: new Date() };
  if (info.start) patch.startedAt = info.start;
  if (event === 'completed' && info.complete) patch.completedAt = info.complete;
  if (info.errorMessage) patch.errorMessage = info.errorMessage;
  if (info.commandLine) patch.commandLine = info.commandLine;
  if (info.nextflowVersion) patch.nextflowVersion = info.nextflowVersion;
  if (info.params && Object.keys(run.params).length === 0) patch.params = { ...info.params };

  const pipelineName = info.manifest.name ?? info.projectName;
  if (!run.pipelineId && pipelineName) {
    const pipeline = await new PipelineService(tx as unknown as Db, run.orgId).ensure(pipelineName, info.revision ?? info.manifest.version);
    patch.pipelineId = pipeline.id;
  }
  const projectCode = info.params?.[settings.projectParam];
  if (!run.projectId && typeof projectCode === 'string') {
    const [project] = await tx.select({ id: projects.id }).from(projects).where(and(eq(projects.orgId, run.orgId), eq(projects.code, projectCode)));
    if (project) patch.projectId = project.id;
  }
  const [updated] = await tx.update(runs).set(patch).where(and(eq(runs.orgId, run.orgId), eq(runs.id, run.id))).returning();
  if (patch.projectId || patch.pipelineId) await unlistDaysOfRun(tx as unknown as Db, run.orgId, run.id);
  return updated;
}

/**
 * After one captured task (a weblog event): the same facts as `refreshRunFromTasks`, updated incrementally,
 * so an event costs the same whether the run has ten tasks or a hundred thousand.
 */
export async function refreshRunAfterTask(
  tx: Tx,
  orgId: string,
  runId: string,
  task: { taskId: number; created: boolean; updated: boolean; startedAt: Date | null; pool: string | null },
): Promise<void> {
  if (task.pool) await assignPools(tx, orgId, runId, task.taskId);
  // a task new or changed since the run's bill was reconciled: the run is no longer billed in full
  if (task.created) {
    await tx.execute(sql`
      update runs set task_count = task_count + 1, started_at = coalesce(started_at, ${task.startedAt?.toISOString() ?? null}::timestamptz),
        billed_in_full = false, updated_at = now()
      where org_id = ${orgId} and id = ${runId}`);
  } else if (task.updated) {
    await tx.execute(sql`update runs set billed_in_full = false where org_id = ${orgId} and id = ${runId} and billed_in_full`);
  }
}

/** Pools declared by the organization say what VM size and pricing tier ran each task (one task, or all the run's). */
export async function assignPools(tx: Pick<Tx, 'execute'>, orgId: string, runId: string, taskId?: number): Promise<void> {
  await tx.execute(sql`
    update tasks t set vm_size = p.vm_size, priority = p.priority
    from pools p
    where t.org_id = ${orgId} and t.run_id = ${runId} ${taskId === undefined ? sql`` : sql`and t.task_id = ${taskId}`}
      and p.org_id = t.org_id and p.name = t.pool
      and (t.vm_size is distinct from p.vm_size or t.priority is distinct from p.priority)`);
}

/**
 * Task-derived facts of a run: task count, first start and last completion when events did not say.
 * `tasksChanged`: tasks were added or rewritten, so a reconciliation before saw other tasks than these
 * and the run is no longer billed in full (services/billed-in-full.ts).
 *
 * The caller holds the run's row lock (trace-import.ts): the count is a statement of its own after it,
 * so it sees every task whose event wrote `task_count + 1` before, and none whose event will after.
 */
export async function refreshRunFromTasks(tx: Tx, orgId: string, runId: string, tasksChanged: boolean): Promise<void> {
  await tx.execute(sql`
    update runs r set
      task_count = t.n,
      started_at = coalesce(r.started_at, t.first_start),
      billed_in_full = r.billed_in_full and not ${tasksChanged},
      updated_at = now()
    from (select count(*)::int as n, min(coalesce(started_at, submitted_at)) as first_start
          from tasks where org_id = ${orgId} and run_id = ${runId}) t
    where r.org_id = ${orgId} and r.id = ${runId}`);
}
