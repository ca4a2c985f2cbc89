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
 */
export async function captureWeblogEvent(db: Db, orgId: string, event: WeblogEvent, settings: CaptureSettings): Promise<WeblogOutcome> {
  return db.transaction(async (tx) => {
    // Nextflow sends events fire-and-forget, one transaction each, serialised per run: waiting for the WAL
    // flush would cap a run at ~100 events/s. A crash can lose the last few hundred ms of events, which the
    // trace file import restores (it is the complete record); nothing else relaxes durability.
    await tx.execute(sql`set local synchronous_commit = off`);
    const params = event.metadata?.params ?? null;
    let { run, created } = await findOrCreateRun(tx, orgId, { sessionId: event.runId, runName: event.runName }, params, settings);
    if (event.metadata && (event.event === 'started' || event.event === 'completed')) {
      run = await applyWorkflowInfo(tx, run, event.event, event.metadata, settings);
    }
    let outcome = { created: 0, updated: 0, unchanged: 0 };
    if (event.trace) {
      const task = toTaskInsert(orgId, run.id, event.trace, 'weblog', settings.samplePattern);
      outcome = await upsertTasks(tx, [task]);
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
