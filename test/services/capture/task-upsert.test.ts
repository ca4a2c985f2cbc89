import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runs, organizations } from '../../../src/db/schema/index.js';
import { upsertTasks, type TaskInsert } from '../../../src/services/capture/task-upsert.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;
let orgId: string;
let runId: string;
before(async () => {
  db = await createTestDatabase();
  [{ id: orgId }] = await db.db.insert(organizations).values({ name: 'o', slug: 'upsert-org' }).returning();
  [{ id: runId }] = await db.db.insert(runs).values({ orgId }).returning();
});
after(() => db.drop());

const task = (over: Partial<TaskInsert>): TaskInsert => ({ orgId, runId, taskId: 1, attempt: 1, source: 'weblog', ...over });

/** A task's row as the merge tests compare it: the named columns, times as ISO strings. */
async function row(taskId: number, columns = MERGED_COLUMNS): Promise<Record<string, unknown>> {
  const [r] = await db.sql<Record<string, unknown>[]>`select ${db.sql(columns)} from tasks where run_id = ${runId} and task_id = ${taskId}`;
  const iso = (v: unknown) => (v === null || v === undefined ? v : new Date(v as string).toISOString());
  return { ...r, ...('started_at' in r ? { started_at: iso(r.started_at) } : {}), ...('submitted_at' in r ? { submitted_at: iso(r.submitted_at) } : {}) };
}

const MERGED_COLUMNS = ['status', 'source', 'hash', 'exit_code', 'realtime_ms', 'peak_rss', 'rchar', 'cpus', 'native_id', 'started_at', 'hostname', 'submitted_at', 'tag'];

/**
 * Sends `records` in every order (one task per order, each step one batch: rows of a batch merge each on
 * their own) and checks every task ends as `expected`; then that any record again changes nothing.
 */
async function mergesInEveryOrder(records: Record<string, Partial<TaskInsert>>, names: string[], expected: Record<string, unknown>, firstTaskId: number) {
  const orders: string[][] = [];
  const permute = (done: string[], left: string[]) => (left.length === 0 ? orders.push(done) : left.forEach((r) => permute([...done, r], left.filter((x) => x !== r))));
  permute([], names);
  assert.equal(orders.length, 120);
  const taskOf = (n: number) => firstTaskId + n;
  for (let step = 0; step < names.length; step++) {
    await upsertTasks(db.db, orders.map((order, n) => task({ taskId: taskOf(n), ...records[order[step]] })));
  }
  for (const [n, order] of orders.entries()) assert.deepEqual(await row(taskOf(n), Object.keys(expected)), expected, order.join(' → '));
  for (const name of names) {
    assert.deepEqual(await upsertTasks(db.db, orders.map((_, n) => task({ taskId: taskOf(n), ...records[name] }))), { created: 0, updated: 0, unchanged: orders.length }, name);
  }
}

test('text with quotes, backslashes, commas, braces and the word NULL survives the array round trip', async () => {
  const nasty = ['a"b', 'back\\slash', 'x,y', '{braces}', 'NULL', '', 'ünïcødé ✓', "it's"];
  await upsertTasks(db.db, nasty.map((tag, i) => task({ taskId: i + 1, tag, name: tag === 'NULL' ? null : tag })));
  const rows = await db.sql<{ task_id: number; tag: string; name: string | null }[]>`select task_id, tag, name from tasks where run_id = ${runId} order by task_id`;
  assert.deepEqual(rows.map((r) => r.tag), nasty);
  assert.equal(rows[4].name, null, 'a real null stays null, distinct from the string "NULL"');
});

test('status never moves back; a trace row of the same status wins over the weblog and fills gaps without blanking values', async () => {
  await upsertTasks(db.db, [task({ taskId: 100, status: 'COMPLETED', cpus: 4, realtimeMs: 5000 })]);
  const late = await upsertTasks(db.db, [task({ taskId: 100, status: 'RUNNING', realtimeMs: null })]);
  assert.deepEqual(late, { created: 0, updated: 0, unchanged: 1 });
  const fromTrace = await upsertTasks(db.db, [task({ taskId: 100, status: 'COMPLETED', source: 'trace', realtimeMs: 5200, cpus: null, peakRss: 1024 })]);
  assert.deepEqual(fromTrace, { created: 0, updated: 1, unchanged: 0 });
  const [stored] = await db.sql`select status, cpus, realtime_ms, peak_rss, source from tasks where run_id = ${runId} and task_id = 100`;
  assert.deepEqual({ ...stored }, { status: 'COMPLETED', cpus: 4, realtime_ms: '5200', peak_rss: '1024', source: 'trace' });
  const afterTrace = await upsertTasks(db.db, [task({ taskId: 100, status: 'FAILED', realtimeMs: 1 })]);
  assert.deepEqual(afterTrace, { created: 0, updated: 0, unchanged: 1 }, 'weblog events do not overwrite what the trace said');
  // the same trace row again changes nothing, not even when the task was last written (a run's facts did not change)
  const [{ updated_at: before }] = await db.sql`select updated_at from tasks where run_id = ${runId} and task_id = 100`;
  const again = await upsertTasks(db.db, [task({ taskId: 100, status: 'COMPLETED', source: 'trace', realtimeMs: 5200, cpus: null, peakRss: 1024 })]);
  assert.deepEqual(again, { created: 0, updated: 0, unchanged: 1 });
  const [{ updated_at: after }] = await db.sql`select updated_at from tasks where run_id = ${runId} and task_id = 100`;
  assert.deepEqual(after, before);
  // one value more is a change
  assert.deepEqual(await upsertTasks(db.db, [task({ taskId: 100, status: 'COMPLETED', source: 'trace', realtimeMs: 5200, peakRss: 1024, rchar: 7 })]), { created: 0, updated: 1, unchanged: 0 });
});

test('trace rows and weblog events of one task merge to the same row in every order: the later status leads, then the trace', async () => {
  // Each record's own hash; the rest either the leading record's (it wins) or only one record's (a gap the
  // others fill). Where two lower records disagree on a field the leader lacks, the row may keep either's
  // (it does not keep each source's values): Nextflow sends the same value there (one task, one record).
  const records: Record<string, Partial<TaskInsert>> = {
    weblogSubmitted: { source: 'weblog', status: 'SUBMITTED', hash: 'wS', submittedAt: new Date('2025-01-01T00:00:00Z'), tag: 's1' },
    weblogRunning: { source: 'weblog', status: 'RUNNING', hash: 'wR', hostname: 'node-w' },
    traceRunning: { source: 'trace', status: 'RUNNING', hash: 'tR', startedAt: new Date('2025-01-01T00:00:01Z'), nativeId: 'job-7' },
    weblogCompleted: { source: 'weblog', status: 'COMPLETED', hash: 'wC', exitCode: 1, realtimeMs: 60_123, peakRss: 1000, cpus: 4 },
    traceCompleted: { source: 'trace', status: 'COMPLETED', hash: 'tC', exitCode: 0, realtimeMs: 60_000, rchar: 7 },
  };
  // what every order must give: each field from the first of these that has it
  const byPriority = ['traceCompleted', 'weblogCompleted', 'traceRunning', 'weblogRunning', 'weblogSubmitted'];
  const expected = { status: 'COMPLETED', source: 'trace', hash: 'tC', exit_code: 0, realtime_ms: '60000', peak_rss: '1000', rchar: '7', cpus: 4,
    native_id: 'job-7', started_at: '2025-01-01T00:00:01.000Z', hostname: 'node-w', submitted_at: '2025-01-01T00:00:00.000Z', tag: 's1' };
  await mergesInEveryOrder(records, byPriority, expected, 1000);
  // a weblog completion leads over a trace's RUNNING row (its values win), and says so
  await upsertTasks(db.db, [task({ taskId: 2000, ...records.traceRunning, cpus: 2 })]);
  assert.deepEqual(await upsertTasks(db.db, [task({ taskId: 2000, ...records.weblogCompleted })]), { created: 0, updated: 1, unchanged: 0 });
  const taken = await row(2000);
  assert.deepEqual([taken.status, taken.source, taken.hash, taken.cpus, taken.native_id], ['COMPLETED', 'weblog', 'wC', 4, 'job-7']);
});

test('a trace without a status column (custom trace.fields) and weblog events merge to the same row in every order: any status leads it', async () => {
  // The status-less trace says nothing of the moment it was written: it fills what the events lack and
  // leads none of them (before, it led a COMPLETED row but lost to a COMPLETED event once a RUNNING one
  // had given its row a status, so the row depended on the order).
  const records: Record<string, Partial<TaskInsert>> = {
    weblogCompleted: { source: 'weblog', status: 'COMPLETED', hash: 'wC', exitCode: 0, realtimeMs: 60_123, cpus: 4 },
    traceRunning: { source: 'trace', status: 'RUNNING', hash: 'tR', startedAt: new Date('2025-01-01T00:00:01Z') },
    weblogRunning: { source: 'weblog', status: 'RUNNING', hash: 'wR', hostname: 'node-w' },
    weblogSubmitted: { source: 'weblog', status: 'SUBMITTED', hash: 'wS', submittedAt: new Date('2025-01-01T00:00:00Z') },
    traceWithoutStatus: { source: 'trace', status: null, hash: 'tX', exitCode: 1, realtimeMs: 60_000, rchar: 7, nativeId: 'job-7', tag: 's1' },
  };
  // each field from the first of these that has it
  const byPriority = Object.keys(records);
  const expected = { status: 'COMPLETED', source: 'weblog', hash: 'wC', exit_code: 0, realtime_ms: '60123', rchar: '7', cpus: 4,
    native_id: 'job-7', started_at: '2025-01-01T00:00:01.000Z', hostname: 'node-w', submitted_at: '2025-01-01T00:00:00.000Z', tag: 's1' };
  await mergesInEveryOrder(records, byPriority, expected, 3000);
  // alone, or with other status-less records, the trace still leads (the same status: the trace)
  await upsertTasks(db.db, [task({ taskId: 4000, ...records.traceWithoutStatus })]);
  await upsertTasks(db.db, [task({ taskId: 4000, source: 'weblog', status: null, hash: 'w?', exitCode: 0, hostname: 'node-w' })]);
  const alone = await row(4000);
  assert.deepEqual([alone.status, alone.source, alone.hash, alone.exit_code, alone.hostname], [null, 'trace', 'tX', 1, 'node-w']);
});
