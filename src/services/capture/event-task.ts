import { sql } from 'drizzle-orm';
import { sqlStateOf } from '../../db/invalid-value.js';
import { holdOffImports } from './import-lock.js';
import { upsertTasks, type Executor, type TaskInsert } from './task-upsert.js';

/**
 * How long an event waits for its task row while an import into the run is open. Then the row is the
 * import's (a lock held to its commit, 10-20 s for 100,000 rows), not a passing writer's.
 */
const IMPORT_HELD_ROW_WAIT = '100ms';

/** Thrown inside a weblog event's transaction: an open import into `runId` holds the event's task row. */
export class TaskHeldByImport extends Error {
  constructor(readonly runId: string) {
    super(`an import into run ${runId} holds the task`);
  }
}

/**
 * Upserts one weblog event's task. With no import into the run open, as any upsert (and none starts before
 * the event commits). With one open, the task may be a row the import has written, locked until it commits:
 * rather than wait for that, throws TaskHeldByImport, and the caller applies the event once the import has
 * ended. That changes what the event would have changed after it: a record merges the same whichever comes
 * first (upsertTasks: the later status leads, then the trace), so a completion still completes a task the
 * trace has RUNNING and fills only gaps where the trace has it ended; should the import fail, the event
 * applies as a late one.
 */
export async function upsertEventTask(tx: Executor, orgId: string, runId: string, task: TaskInsert): Promise<Awaited<ReturnType<typeof upsertTasks>>> {
  if (await holdOffImports(tx, orgId, runId)) return upsertTasks(tx, [task]);
  const [{ previous }] = (await tx.execute(sql`select current_setting('lock_timeout') as previous`)) as unknown as { previous: string }[];
  await tx.execute(sql`select set_config('lock_timeout', ${IMPORT_HELD_ROW_WAIT}, true)`);
  let outcome;
  try {
    outcome = await upsertTasks(tx, [task]);
  } catch (err) {
    // lock_not_available: the row is the import's
    if (sqlStateOf(err) === '55P03') throw new TaskHeldByImport(runId);
    throw err;
  }
  await tx.execute(sql`select set_config('lock_timeout', ${previous}, true)`);
  return outcome;
}
