import { sql } from 'drizzle-orm';
import type { Executor } from './task-upsert.js';

/**
 * Lock namespace (first key of pg_advisory_xact_lock) of the trace imports into one run. An import holds it
 * exclusively for its whole transaction (10-20 s for 100,000 rows): imports into one run take turns, as they
 * did when each held the run's row lock throughout (two writing the same tasks in different orders would
 * deadlock). Whoever would otherwise wait for such an import (a weblog event for a task row it holds, a
 * live re-price) asks here first, without waiting.
 */
const TRACE_RUN_LOCK = 7_240_033;

const key = (orgId: string, runId: string) => sql`${TRACE_RUN_LOCK}, hashtext(${`${orgId}:${runId}`})`;

/** Taken by an import into `runId`: waits for the one before it, and for anyone holding imports off. */
export async function lockRunForImport(tx: Pick<Executor, 'execute'>, orgId: string, runId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${key(orgId, runId)})`);
}

/**
 * True when no import into `runId` is open or queued: none starts until this transaction ends (it waits
 * here for us, a short wait). False when one is: what it holds stays held until it commits. Never waits.
 */
export async function holdOffImports(tx: Pick<Executor, 'execute'>, orgId: string, runId: string): Promise<boolean> {
  const [row] = (await tx.execute(sql`select pg_try_advisory_xact_lock_shared(${key(orgId, runId)}) as held`)) as unknown as { held: boolean }[];
  return row.held;
}

/** Waits until the imports into `runId` that are open or queued have ended, and holds later ones off (as above). */
export async function waitForImports(tx: Pick<Executor, 'execute'>, orgId: string, runId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock_shared(${key(orgId, runId)})`);
}
