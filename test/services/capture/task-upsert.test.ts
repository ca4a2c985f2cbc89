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

test('text with quotes, backslashes, commas, braces and the word NULL survives the array round trip', async () => {
  const nasty = ['a"b', 'back\\slash', 'x,y', '{braces}', 'NULL', '', 'ünïcødé ✓', "it's"];
  await upsertTasks(db.db, nasty.map((tag, i) => task({ taskId: i + 1, tag, name: tag === 'NULL' ? null : tag })));
  const rows = await db.sql<{ task_id: number; tag: string; name: string | null }[]>`select task_id, tag, name from tasks where run_id = ${runId} order by task_id`;
  assert.deepEqual(rows.map((r) => r.tag), nasty);
  assert.equal(rows[4].name, null, 'a real null stays null, distinct from the string "NULL"');
});

test('status never moves back for weblog rows; a trace row always applies and fills gaps without blanking values', async () => {
  await upsertTasks(db.db, [task({ taskId: 100, status: 'COMPLETED', cpus: 4, realtimeMs: 5000 })]);
  const late = await upsertTasks(db.db, [task({ taskId: 100, status: 'RUNNING', realtimeMs: null })]);
  assert.deepEqual(late, { created: 0, updated: 0, unchanged: 1 });
  const fromTrace = await upsertTasks(db.db, [task({ taskId: 100, status: 'COMPLETED', source: 'trace', realtimeMs: 5200, cpus: null, peakRss: 1024 })]);
  assert.deepEqual(fromTrace, { created: 0, updated: 1, unchanged: 0 });
  const [row] = await db.sql`select status, cpus, realtime_ms, peak_rss, source from tasks where run_id = ${runId} and task_id = 100`;
  assert.deepEqual({ ...row }, { status: 'COMPLETED', cpus: 4, realtime_ms: '5200', peak_rss: '1024', source: 'trace' });
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
