import { sql } from 'drizzle-orm';
import type { CaptureSettings } from '../../config.js';
import type { Db } from '../../db/client.js';
import type { WeblogEvent } from '../../ingest/nextflow/index.js';
import { applyWorkflowInfo, findOrCreateRun, refreshRunAfterTask } from './run-capture.js';
import { toTaskInsert, upsertTasks } from './task-upsert.js';
import { publishRunUpdated } from './run-events.js';

export interface WeblogOutcome {
  runId: string;
  runCreated: boolean;
  taskCreated: boolean;
  taskUpdated: boolean;
  /** A task finished (or the workflow did): the run's live estimate is due (see requestLiveEstimate). */
  repriceDue: boolean;
}

/**
 * One weblog event, in one transaction. Nextflow sends events asynchronously and never retries, so they
 * arrive out of order, twice, or not at all: every step is an idempotent upsert that never moves state back.
 *
 * Locks, in this order: the session's advisory lock (findOrCreateRun), the run key-share (or for update on
 * a first claim), the task's row, then the run's row for writing. A trace import of the same run
 * (trace-import.ts) key-share locks the run, writes its task rows batch by batch, and write-locks the run
 * last, for its final statements; it never takes the session lock. So:
 * - the event waits for the import only where both want one lock: the task row, when the import has
 *   written the same task (until the import commits), and the run's row for writing, which the import
 *   holds only from its last statements to its commit;
 * - no deadlock: both take task rows before the run's write lock, the event one task row only, the import
 *   none after the run's; their run locks before that are key-share, which write locks do not wait for.
 *   Writing the run before the task (as this did) would close a cycle: event holds the run and waits for
 *   a task row the import wrote; the import holds that row and waits for the run.
 * - the one exception: the first claim of a registered run (run-claim.ts) locks it, and the run it merges
 *   in, for update, and so waits for an import into either, holding no task row (the import never waits for it).
 */
export async function captureWeblogEvent(db: Db, orgId: string, event: WeblogEvent, settings: CaptureSettings): Promise<WeblogOutcome> {
  return db.transaction(async (tx) => {
    // Nextflow sends events fire-and-forget, one transaction each, serialised per run: waiting for the WAL
    // flush would cap a run at ~100 events/s. A crash can lose the last few hundred ms of events, which the
    // trace file import restores (it is the complete record); nothing else relaxes durability.
    await tx.execute(sql`set local synchronous_commit = off`);
    const params = event.metadata?.params ?? null;
    const { run, created } = await findOrCreateRun(tx, orgId, { sessionId: event.runId, runName: event.runName }, params, settings);
    let outcome = { created: 0, updated: 0, unchanged: 0 };
    const task = event.trace ? toTaskInsert(orgId, run.id, event.trace, 'weblog', settings.samplePattern) : null;
    // the task row before any write to the run's row (see above)
    if (task) outcome = await upsertTasks(tx, [task]);
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
    return { runId: run.id, runCreated: created, taskCreated: outcome.created > 0, taskUpdated: outcome.updated > 0, repriceDue };
  });
}
