import PgBoss from 'pg-boss';
import type postgres from 'postgres';
import { sql as dsql, type SQL } from 'drizzle-orm';

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

/** A pg-boss parameter as a driver takes it: pg-boss passes plain objects for jsonb and undefined for "unset". */
const toParam = (v: unknown) => (v === undefined ? null : v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v) ? JSON.stringify(v) : v);

/** pg-boss's `db` adapter over postgres.js. */
function adapter(sql: postgres.Sql | postgres.TransactionSql) {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const params = values.map(toParam);
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
  const id = await sendJobUnlessDuplicate(sql, name, data, options);
  // null: no such queue, or a singletonSeconds/short-policy duplicate was refused
  if (!id) throw new Error(`pg-boss did not accept a job for queue ${JSON.stringify(name)} (does the queue exist?)`);
  return id;
}

/**
 * Whether the queue exists: a database the server never started on (the CLI on a fresh database, service
 * tests) has no pg-boss schema, and callers with another way to do the work take it there.
 */
export async function queueInstalled(sql: postgres.Sql | postgres.TransactionSql, name: string): Promise<boolean> {
  const [{ installed }] = await sql<{ installed: boolean }[]>`
    select to_regclass(${`${PGBOSS_SCHEMA}.queue`}) is not null
      and exists (select 1 from pg_catalog.pg_namespace where nspname = ${PGBOSS_SCHEMA}) as installed`;
  if (!installed) return false;
  const [{ queued }] = await sql.unsafe<{ queued: boolean }[]>(`select exists (select 1 from ${PGBOSS_SCHEMA}.queue where name = $1) as queued`, [name]);
  return queued;
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

/**
 * Like `sendJob`, but a job the queue's policy refuses as a duplicate (e.g. a `stately` queue that
 * already has one queued for the singleton key) is not an error: returns null. For triggers that
 * only need "some evaluation will run after this commit".
 */
export async function sendJobUnlessDuplicate(sql: postgres.Sql | postgres.TransactionSql, name: string, data: object, options: PgBoss.SendOptions = {}): Promise<string | null> {
  return sender.send(name, data, { ...options, db: adapter(sql) });
}

/**
 * pg-boss's `db` adapter over a Drizzle transaction (anything with `execute(sql)`), for code that
 * holds one rather than a postgres.js client: pg-boss's `$n` placeholders become Drizzle parameters.
 */
function drizzleAdapter(executor: { execute(query: SQL): Promise<unknown> }) {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const parts = text.split(/\$(\d+)/);
      const chunks: SQL[] = [];
      parts.forEach((part, i) => {
        if (i % 2 === 0) chunks.push(dsql.raw(part));
        else {
          // Drizzle's driver takes dates as ISO strings here
          const v = toParam(values[Number(part) - 1]);
          chunks.push(dsql`${v instanceof Date ? v.toISOString() : v}`);
        }
      });
      const rows = (await executor.execute(dsql.join(chunks, dsql``))) as unknown as Record<string, unknown>[];
      return { rows: [...rows] };
    },
  };
}

/** `sendJob` through a Drizzle transaction. */
export async function sendJobViaDrizzle(executor: { execute(query: SQL): Promise<unknown> }, name: string, data: object, options: PgBoss.SendOptions = {}): Promise<string | null> {
  return sender.send(name, data, { ...options, db: drizzleAdapter(executor) });
}
