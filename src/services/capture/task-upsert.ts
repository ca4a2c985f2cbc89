import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { tasks } from '../../db/schema/index.js';
import type { TaskRecord } from '../../ingest/nextflow/index.js';

export type TaskInsert = typeof tasks.$inferInsert;
export type TaskSource = 'trace' | 'weblog';
/** A Drizzle database or transaction. */
export type Executor = Pick<Db, 'insert' | 'update' | 'select' | 'execute'>;

/** The sample a task belongs to: the first capture group of the configured pattern applied to its tag. */
export function sampleOf(tag: string | null, pattern: RegExp): string | null {
  if (!tag) return null;
  const m = pattern.exec(tag);
  return m?.[1] ?? null;
}

export function toTaskInsert(orgId: string, runId: string, r: TaskRecord, source: TaskSource, samplePattern: RegExp): TaskInsert {
  return {
    orgId,
    runId,
    taskId: r.taskId,
    // unknown stays null, so a trace without the column merges with the weblog's attempt instead of hiding it
    attempt: r.attempt,
    hash: r.hash,
    nativeId: r.nativeId,
    process: r.process,
    module: r.module?.length ? r.module.join(',') : null,
    container: r.container,
    tag: r.tag,
    sample: sampleOf(r.tag, samplePattern),
    name: r.name,
    status: r.status,
    exitCode: r.exit,
    submittedAt: r.submit,
    startedAt: r.start,
    completedAt: r.complete,
    durationMs: r.durationMs,
    realtimeMs: r.realtimeMs,
    pcpu: r.pcpu,
    pmem: r.pmem,
    rss: r.rss,
    vmem: r.vmem,
    peakRss: r.peakRss,
    peakVmem: r.peakVmem,
    rchar: r.rchar,
    wchar: r.wchar,
    syscr: r.syscr,
    syscw: r.syscw,
    readBytes: r.readBytes,
    writeBytes: r.writeBytes,
    cpus: r.cpus,
    memoryBytes: r.memory,
    diskBytes: r.disk,
    timeMs: r.time,
    workdir: r.workdir,
    scratch: r.scratch,
    queue: r.queue,
    errorAction: r.errorAction,
    volCtxt: r.volCtxt,
    invCtxt: r.invCtxt,
    hostname: r.hostname,
    cpuModel: r.cpuModel,
    // on Azure Batch the queue is the pool and the hostname the node
    pool: r.queue,
    node: r.hostname,
    source,
  };
}

const COLUMNS = getTableColumns(tasks);

/** Columns an insert sets, with the SQL type their array parameter is cast to. */
const INSERT_COLUMNS = Object.entries(COLUMNS)
  .filter(([key]) => !['id', 'createdAt', 'updatedAt'].includes(key))
  .map(([key, column]) => ({ key, name: column.name, type: column.getSQLType() }));

/**
 * A Postgres array literal in text form, every element quoted (Postgres casts each to the column type):
 * the driver does not serialise JS arrays passed through Drizzle's `sql`.
 */
export function pgArrayLiteral(values: readonly unknown[]): string {
  const items = values.map((v) => (v === null || v === undefined ? 'NULL' : `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`));
  return `{${items.join(',')}}`;
}

const KEY = new Set(['orgId', 'id', 'runId', 'taskId', 'createdAt', 'updatedAt', 'source', 'vmSize', 'priority']);

/** Every data column: a later, fuller record fills in what an earlier one lacked, never blanks it. */
const MERGED = Object.entries(COLUMNS)
  .filter(([key]) => !KEY.has(key))
  .map(([, column]) => ({ name: column.name, expr: `coalesce(excluded."${column.name}", "tasks"."${column.name}")` }));
const MERGED_SOURCE = `case when excluded."source" = 'trace' then 'trace' else "tasks"."source" end`;

/**
 * Only a row the merge changes is written: a replayed event or a trace imported twice leaves the task
 * (and its `updated_at`, which says when a run's facts last changed) as it was, and counts as unchanged.
 */
const CHANGES_SOMETHING = sql.raw(
  `(${[...MERGED.map((m) => `"tasks"."${m.name}"`), '"tasks"."source"'].join(', ')}) is distinct from (${[...MERGED.map((m) => m.expr), MERGED_SOURCE].join(', ')})`,
);

const rank = (ref: string) =>
  `case ${ref} when 'NEW' then 0 when 'SUBMITTED' then 1 when 'RUNNING' then 2 when 'COMPLETED' then 3 when 'FAILED' then 3 when 'ABORTED' then 3 when 'CACHED' then 3 else -1 end`;

/**
 * Upserts tasks on their natural key `(run, task_id)` (a retry is a new task_id; `attempt` is an ordinary
 * fact, merged like the others). Rules that make replays and out-of-order events harmless:
 * 1. a trace row always applies (the trace file is the complete record), filling gaps the weblog left;
 * 2. a weblog event applies only to a weblog-sourced row, and only if it does not move the status back
 *    (a late `process_started` never turns a COMPLETED task into RUNNING);
 * 3. values merge with coalesce, so an event lacking a field keeps the stored one.
 */
export async function upsertTasks(db: Executor, rows: TaskInsert[]): Promise<{ created: number; updated: number; unchanged: number }> {
  if (rows.length === 0) return { created: 0, updated: 0, unchanged: 0 };
  // One array parameter per column, spread by unnest(): the statement has ~50 parameters whatever the
  // batch size, so neither the query builder nor the server's parser scales with rows × columns.
  const arrays = INSERT_COLUMNS.map(({ key, name, type }) => {
    const values = rows.map((row) => {
      const v = (row as Record<string, unknown>)[key];
      return v instanceof Date ? v.toISOString() : v;
    });
    return sql`${pgArrayLiteral(values)}::${sql.raw(type)}[] ${sql.raw(`/* ${name} */`)}`;
  });
  const set = sql.join(
    [
      ...MERGED.map((m) => sql.raw(`"${m.name}" = ${m.expr}`)),
      sql.raw(`"source" = ${MERGED_SOURCE}`),
      // the clock, not the transaction's start: billed-in-full compares it with when a reconciliation began
      sql.raw(`"updated_at" = clock_timestamp()`),
    ],
    sql`, `,
  );
  const result = (await db.execute(sql`
    insert into tasks (${sql.raw(INSERT_COLUMNS.map((c) => `"${c.name}"`).join(', '))}, "updated_at")
    select *, clock_timestamp() from unnest(${sql.join(arrays, sql`, `)})
    on conflict (org_id, run_id, task_id) do update set ${set}
    where ${sql.raw(`(excluded."source" = 'trace' or ("tasks"."source" = 'weblog' and ${rank('excluded."status"')} >= ${rank('"tasks"."status"')}))`)}
      and ${CHANGES_SOMETHING}
    returning (xmax = 0) as inserted`)) as unknown as { inserted: boolean }[];
  const created = result.filter((r) => r.inserted).length;
  const updated = result.length - created;
  return { created, updated, unchanged: rows.length - result.length };
}
