import { sql } from 'drizzle-orm';
import type { CaptureSettings } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { WeblogEvent } from '../../ingest/nextflow/index.js';
import { enqueueDeferredWeblogEvent } from '../../jobs/weblog-deferred-queue.js';
import { TaskHeldByImport, upsertEventTask } from './event-task.js';
import { waitForImports } from './import-lock.js';
import { applyWorkflowInfo, findOrCreateRun, refreshRunAfterTask } from './run-capture.js';
import { toTaskInsert } from './task-upsert.js';
import { publishRunUpdated } from './run-events.js';

export interface WeblogOutcome {
  runId: string;
  runCreated: boolean;
  taskCreated: boolean;
  taskUpdated: boolean;
  /** A task finished (or the workflow did): the run's live estimate is due (see requestLiveEstimate). */
  repriceDue: boolean;
  /** Queued, to be applied once the trace import that holds its task has ended; nothing of it is stored yet. */
  deferred: boolean;
}

export interface CaptureOptions {
  /** First wait for the imports into this run (open or queued) to end: a deferred event, applied by its job. */
  afterImportsOf?: string;
}

/**
 * One weblog event, in one transaction. Nextflow sends events asynchronously and never retries, so they
 * arrive out of order, twice, or not at all: every step is an idempotent upsert that never moves state back.
 *
 * Locks, in this order: the session's advisory lock (findOrCreateRun), the run key-share (or a write lock on
 * a first claim), the task's row, then the run's row for writing. A trace import of the same run
 * (trace-import.ts) key-share locks the run, writes its task rows batch by batch, and write-locks the run
 * last, for its final statements; it never takes the session lock. So:
 * - the event waits for the import only for the run's row for writing, which the import holds from its last
 *   statements to its commit. A task row the import has written it holds until it commits: the event does
 *   not wait for that. It is rolled back, queued (a pg-boss job, committed before the answer) and applied
 *   once the import has ended, where it changes what it would have changed then (event-task.ts). Its job
 *   waits for the import before taking the session's lock, so the run's other events go on meanwhile;
 * - no deadlock: both take task rows before the run's write lock, the event one task row only, the import
 *   none after the run's; their run locks before that are key-share, which write locks do not wait for.
 *   Writing the run before the task (as this did) would close a cycle: event holds the run and waits for
 *   a task row the import wrote; the import holds that row and waits for the run.
 * - the one exception: a first claim of a registered run that merges a captured run into it (run-claim.ts)
 *   locks both for update, and so waits for an import into either, holding no task row (the import never
 *   waits for it).
 */
export async function captureWeblogEvent(db: Db, orgId: string, event: WeblogEvent, settings: CaptureSettings, opts: CaptureOptions = {}): Promise<WeblogOutcome> {
  try {
    return await captureInOneTransaction(db, orgId, event, settings, opts);
  } catch (err) {
    if (!(err instanceof TaskHeldByImport)) throw err;
    if (await enqueueDeferredWeblogEvent(db.$client, orgId, err.runId, event)) {
      return { runId: err.runId, runCreated: false, taskCreated: false, taskUpdated: false, repriceDue: false, deferred: true };
    }
    // a database without the job queue (no server ever started on it): wait for the import here
    return captureInOneTransaction(db, orgId, event, settings, { afterImportsOf: err.runId });
  }
}

function captureInOneTransaction(db: Db, orgId: string, event: WeblogEvent, settings: CaptureSettings, opts: CaptureOptions): Promise<WeblogOutcome> {
  return db.transaction(async (tx) => {
    // Nextflow sends events fire-and-forget, one transaction each, serialised per run: waiting for the WAL
    // flush would cap a run at ~100 events/s. A crash can lose the last few hundred ms of events, which the
    // trace file import restores (it is the complete record); nothing else relaxes durability.
    await tx.execute(sql`set local synchronous_commit = off`);
    // before the session's lock, which the run's live events take
    if (opts.afterImportsOf) await waitForImports(tx, orgId, opts.afterImportsOf);
    const params = event.metadata?.params ?? null;
    const { run, created } = await findOrCreateRun(tx, orgId, { sessionId: event.runId, runName: event.runName }, params, settings);
    let outcome = { created: 0, updated: 0, unchanged: 0 };
    const task = event.trace ? toTaskInsert(orgId, run.id, event.trace, 'weblog', settings.samplePattern) : null;
    // the task row before any write to the run's row (see above)
    if (task) outcome = await upsertEventTask(tx, orgId, run.id, task);
    if (event.metadata && (event.event === 'started' || event.event === 'completed')) {
      await applyWorkflowInfo(tx, run, event.event, event.metadata, settings);
    }
    if (task) {
      await refreshRunAfterTask(tx, orgId, run.id, {
        taskId: task.taskId,
        created: outcome.created > 0,
        updated: outcome.updated > 0,
        startedAt: task.startedAt ?? task.submittedAt ?? null,
        pool: task.pool ?? null,
      });
    }
    // NOTIFY inside the transaction is delivered on commit, and not at all on rollback
    await publishRunUpdated(tx, orgId, run.id);
    const changed = outcome.created > 0 || outcome.updated > 0;
    const repriceDue = (event.event === 'process_completed' && changed) || event.event === 'completed';
    return { runId: run.id, runCreated: created, taskCreated: outcome.created > 0, taskUpdated: outcome.updated > 0, repriceDue, deferred: false };
  });
}
