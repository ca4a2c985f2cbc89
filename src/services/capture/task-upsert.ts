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

/**
 * A task status's place in a task's life (FAILED, ABORTED and CACHED are final alike, as COMPLETED).
 * Unknown (a trace whose `trace.fields` leave the status out) is before them all: a record that does not
 * say what moment it is about cannot outrank one that does. It needs a fixed place, not a tie with
 * everything: as a tie, a status-less trace led a COMPLETED row but lost to a COMPLETED event that came
 * after a RUNNING one had filled its status, so the row depended on the order records arrived in.
 */
const rank = (ref: string) =>
  `case ${ref} when 'NEW' then 0 when 'SUBMITTED' then 1 when 'RUNNING' then 2 when 'COMPLETED' then 3 when 'FAILED' then 3 when 'ABORTED' then 3 when 'CACHED' then 3 else -1 end`;

/**
 * Which of two records of one task leads, as SQL over their row references (`incoming` merged into `stored`):
 * where both have a value, the leader's is kept; where one has none, the other's fills it (coalesce).
 * 1. the record of the later status leads (a RUNNING row a trace wrote mid-run yields to the weblog's
 *    COMPLETED; a late `process_started` or an older trace yields to a COMPLETED row); a record without a
 *    status comes before every status (rank), so it leads no record that has one and only fills gaps;
 * 2. same status (or both unknown): the trace leads, being the whole record; two records of one source,
 *    the incoming one (a newer trace file, or the weblog's next event).
 * The status itself follows the same rule, so it never moves back, and only the leader sets it: a row's
 * status is its leader's, which is what the next record is ranked against. `source` says which source
 * leads the row: the provenance of the values both sources have.
 */
export function leadsSql(incoming: string, stored: string): string {
  const [i, s] = [rank(`${incoming}."status"`), rank(`${stored}."status"`)];
  return `(${i} >= ${s} and (${i} > ${s} or ${incoming}."source" = 'trace' or ${stored}."source" = 'weblog'))`;
}

/** `column` of the merge of `incoming` into `stored`, as SQL (see leadsSql). */
export const mergedColumnSql = (column: string, incoming: string, stored: string, leads = leadsSql(incoming, stored)) =>
  `case when ${leads} then coalesce(${incoming}."${column}", ${stored}."${column}") else coalesce(${stored}."${column}", ${incoming}."${column}") end`;

/** `source` of the merge of `incoming` into `stored`: the leader's. */
export const mergedSourceSql = (incoming: string, stored: string, leads = leadsSql(incoming, stored)) =>
  `case when ${leads} then ${incoming}."source" else ${stored}."source" end`;

/** Every data column: whichever record leads, the other fills in what it lacks, never blanks it. */
const MERGED = Object.entries(COLUMNS)
  .filter(([key]) => !KEY.has(key))
  .map(([, column]) => column.name);

/*
 * Two statements, each testing the rule once per row: written into each of the ~50 merged columns
 * (mergedColumnSql), one statement was a tree that took 20 ms to plan for every event (0.2 ms before this
 * rule); in a sub-select, 0.8 ms to plan and 0.6 to run. The second runs only for rows the first neither
 * inserted nor led, so an event in order is one statement, as fast as before.
 * Only a row the merge changes is written: a replayed event or a trace imported twice leaves the task (and
 * its `updated_at`, which says when a run's facts last changed) as it was, and counts as unchanged.
 */
/** The upsert: a new task, or one the incoming record leads, its values first. */
const SET_LEADING = sql.raw(
  [
    ...MERGED.map((c) => `"${c}" = coalesce(excluded."${c}", "tasks"."${c}")`),
    `"source" = excluded."source"`,
    // the clock, not the transaction's start: billed-in-full compares it with when a reconciliation began
    `"updated_at" = clock_timestamp()`,
  ].join(', '),
);
const LEADING_CHANGES = sql.raw(
  `${leadsSql('excluded', '"tasks"')} and (${[...MERGED.map((c) => `"tasks"."${c}"`), '"tasks"."source"'].join(', ')}) is distinct from (${[
    ...MERGED.map((c) => `coalesce(excluded."${c}", "tasks"."${c}")`),
    'excluded."source"',
  ].join(', ')})`,
);
/**
 * Then the stored tasks the incoming record does not lead: it fills their gaps. The upsert has locked them
 * already (ON CONFLICT locks the row whether or not its WHERE holds): no new lock, no new wait.
 */
const SET_FOLLOWING = sql.raw([...MERGED.map((c) => `"${c}" = coalesce(t."${c}", x."${c}")`), `"updated_at" = clock_timestamp()`].join(', '));
const FOLLOWING_FILLS = sql.raw(`not ${leadsSql('x', 't')} and (${MERGED.map((c) => `(t."${c}" is null and x."${c}" is not null)`).join(' or ')})`);

/**
 * Upserts tasks on their natural key `(run, task_id)` (a retry is a new task_id; `attempt` is an ordinary
 * fact, merged like the others). A trace row and a weblog event merge alike, whatever their order (before,
 * during or after an import: an event an open import holds off is applied after it, event-task.ts), so
 * replays and out-of-order events are harmless:
 * 1. the record about the later moment of the task leads (its status ranks higher: unknown < SUBMITTED <
 *    RUNNING < COMPLETED, FAILED, ABORTED, CACHED); so the status never moves back, whichever source sent what;
 * 2. at the same status the trace leads (the trace file is the complete record): a weblog event then
 *    only fills gaps the trace left, and the trace overwrites the weblog's values;
 * 3. the other record fills what the leader lacks (coalesce): nothing is blanked.
 * E.g. a trace written mid-run or by an interrupted run has a task RUNNING: the weblog's `process_completed`
 * completes it (its end, realtime, usage and exit win; the trace's job id, say, stays), and a final trace
 * with the task COMPLETED takes it over again.
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
  const records = sql`unnest(${sql.join(arrays, sql`, `)})`;
  const result = (await db.execute(sql`
    insert into tasks (${sql.raw(INSERT_COLUMNS.map((c) => `"${c.name}"`).join(', '))}, "updated_at")
    select *, clock_timestamp() from ${records}
    on conflict (org_id, run_id, task_id) do update set ${SET_LEADING}
    where ${LEADING_CHANGES}
    returning (xmax = 0) as inserted`)) as unknown as { inserted: boolean }[];
  let filled = 0;
  // every row inserted or led: nothing left to fill (an event's usual case: one statement)
  if (result.length < rows.length) {
    const out = (await db.execute(sql`
      update tasks t set ${SET_FOLLOWING}
      from ${records} as x(${sql.raw(INSERT_COLUMNS.map((c) => `"${c.name}"`).join(', '))})
      where t.org_id = x.org_id and t.run_id = x.run_id and t.task_id = x.task_id and ${FOLLOWING_FILLS}
      returning 1`)) as unknown as unknown[];
    filled = out.length;
  }
  const created = result.filter((r) => r.inserted).length;
  const updated = result.length - created + filled;
  return { created, updated, unchanged: rows.length - created - updated };
}
