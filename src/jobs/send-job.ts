import PgBoss from 'pg-boss';
import type postgres from 'postgres';

/** The schema `startBoss` (jobs/boss.ts) runs pg-boss in. */
export const PGBOSS_SCHEMA = 'pgboss';

/**
 * A pg-boss instance used only to build and send job inserts through a connection the caller
 * passes (pg-boss's per-call `db` option); it never connects, polls or migrates by itself.
 */
const sender = new PgBoss({
  schema: PGBOSS_SCHEMA,
  supervise: false,
  schedule: false,
  migrate: false,
  db: {
    executeSql: () => Promise.reject(new Error('send-job: pass the connection to use (this sender has none of its own)')),
  },
});

/** pg-boss's `db` adapter over postgres.js: it passes plain objects for jsonb and undefined for "unset". */
function adapter(sql: postgres.Sql | postgres.TransactionSql) {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const params = values.map((v) => (v === undefined ? null : v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v) ? JSON.stringify(v) : v));
      const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
      return { rows: [...rows] };
    },
  };
}

/**
 * Enqueues a job over `sql`, typically the transaction that also writes the row the job is about,
 * so the row and the job commit (or roll back) together. Works in any process: it needs no running
 * pg-boss, only the queue (created by `registerJobs` at start). Returns the job id.
 */
export async function sendJob(sql: postgres.Sql | postgres.TransactionSql, name: string, data: object, options: PgBoss.SendOptions = {}): Promise<string> {
  const id = await sender.send(name, data, { ...options, db: adapter(sql) });
  // null: no such queue, or a singletonSeconds/short-policy duplicate was refused
  if (!id) throw new Error(`pg-boss did not accept a job for queue ${JSON.stringify(name)} (does the queue exist?)`);
  return id;
}

/**
 * Enqueues at most one job per `key` per `seconds` slot, without losing the last request: when the
 * current slot has its job, this one goes to the next slot (starting then), and when that is taken
 * too, the job already waiting there will run after this request and see its change. Call it after
 * the change commits, so the job that runs can see it. Returns the job id, or null when a waiting
 * job covers this request.
 */
export async function sendDebouncedJob(sql: postgres.Sql | postgres.TransactionSql, name: string, data: object, seconds: number, key: string): Promise<string | null> {
  return sender.sendDebounced(name, data, { db: adapter(sql) }, seconds, key);
}
