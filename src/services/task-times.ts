/**
 * When a task ran, in SQL over a task row `t`: one definition each, because what prices a task,
 * what reconciliation allocates and what decides a run is billed in full must agree exactly.
 */
import { sql, type SQL, type Table } from 'drizzle-orm';

/** A task's wall time in ms: realtime, else the duration, else completed − started. */
export const taskWallMsSql = sql`coalesce(t.realtime_ms, t.duration_ms, (extract(epoch from t.completed_at - t.started_at) * 1000)::bigint)`;

/** When a task stopped holding its node: what reconciliation allocates up to. Null: not known (yet). */
export const taskEndSql = sql`coalesce(t.completed_at, t.started_at + t.realtime_ms * interval '1 millisecond')`;

/**
 * Over a task row (`task`: its alias or table): it ran in its own run. A CACHED task did not run again:
 * Nextflow reports it with the original run's start, end and queue, so its machine time is already the
 * original task's, and counting it again would bill (or price, or count in the run's hours) the same
 * node-hours twice.
 */
export const taskRan = (task: SQL | Table) => sql`${task}.status is distinct from 'CACHED'`;

/** taskRan over a task row `t`. */
export const taskRanSql = taskRan(sql`t`);
