/**
 * A finished task's facts can change after its live estimate priced it: the weblog's `process_completed`
 * arrives first and the trace import later brings what the trace says (it always applies: task-upsert.ts),
 * or the pool the task ran on is redeclared. Its TASK estimate is history, never overwritten: a changed
 * task gets a new TASK row and the run's figure counts each task's latest row only; an unchanged task
 * gets none. The price sheet is followed too: a price for the task's own region, in force when it
 * started, re-prices it; a price that takes effect after it started does not.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { and, asc, eq, sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config.js';
import { estimates, prices, tasks } from '../../src/db/schema/index.js';
import { parseWeblogEvent } from '../../src/ingest/nextflow/weblog.js';
import { medianBaseline, ModelRegistry } from '../../src/models/index.js';
import { importTrace } from '../../src/services/capture/trace-import.js';
import { captureWeblogEvent } from '../../src/services/capture/weblog.js';
import { LiveEstimateService } from '../../src/services/live-estimates.js';
import { createOrganization } from '../../src/services/organizations.js';
import { PoolService } from '../../src/services/pools.js';
import { PriceService } from '../../src/services/prices.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { HEADER, POOL, processEvent, T0, workflowEvent } from '../support/held-import.js';

const capture = loadConfig({}).capture;
const estimation = loadConfig({}).estimation;
const registry = new ModelRegistry().register(medianBaseline({ target: 'runtimeMs' }));
const VM = 'Standard_D4_v3';
const EAST_POOL = 'nf-east';
const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** A trace row as HEADER has it: `realtimeMs` of realtime on 2 cpus and 4 GB, started at T0 + 1 s. */
const traceRow = (taskId: number, status: 'COMPLETED' | 'FAILED' | 'ABORTED' | 'CACHED', realtimeMs: number, queue = POOL) =>
  `${taskId}\ttr/${taskId}\tnat-${taskId}\tALIGN (s${taskId})\t${status}\t${status === 'COMPLETED' || status === 'CACHED' ? 0 : 1}\t${stamp(T0)}\t${stamp(T0 + 1000)}\t` +
  `${stamp(T0 + 1000 + realtimeMs)}\t${realtimeMs + 1000}ms\t${realtimeMs}ms\t2\t4 GB\t${queue}\n`;

describe('live estimates: a task whose facts change after it was priced', () => {
  let db: TestDatabase;
  let orgId: string;
  let sessions = 0;
  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'Changes', slug: 'live-changes' })).organization.id;
    await new PoolService(db.db, orgId).declare({ name: POOL, region: 'westeurope', vmSize: VM, priority: 'DEDICATED' });
    // a region the shipped snapshot has no price for: its tasks are priced at the reference region's
    await new PoolService(db.db, orgId).declare({ name: EAST_POOL, region: 'eastus', vmSize: VM, priority: 'DEDICATED' });
  });
  after(() => db.drop());

  const live = () => new LiveEstimateService(db.db, orgId, registry, estimation);
  const weblog = (body: object) => captureWeblogEvent(db.db, orgId, parseWeblogEvent(body), capture);
  async function startedRun() {
    const session = `c4a96e00-0000-4000-8000-${String(++sessions).padStart(12, '0')}`;
    const { runId } = await weblog(workflowEvent(session, 'started'));
    return { session, runId };
  }
  const importRows = (runId: string, rows: string) =>
    importTrace(db.db, orgId, Readable.from([HEADER + rows]), capture, { runId, timeZone: 'UTC', fileName: 'trace.txt' });
  /** A re-price now; the last live figure is moved a second back first, as if that much time had passed (one figure per run per second). */
  async function reprice(runId: string) {
    await db.db.execute(sql`update estimates set created_at = created_at - interval '2 seconds' where org_id = ${orgId} and run_id = ${runId} and kind = 'LIVE'`);
    const out = await live().reprice(runId);
    return out.status === 'stored' ? out.estimate : assert.fail(out.status);
  }
  /** Every TASK row of the run, by Nextflow task id, each task's oldest first. */
  async function taskRows(runId: string) {
    const rows = await db.db.select({ taskId: tasks.taskId, value: estimates.value, features: estimates.features }).from(estimates)
      .innerJoin(tasks, and(eq(tasks.orgId, estimates.orgId), eq(tasks.id, estimates.taskId)))
      .where(and(eq(estimates.orgId, orgId), eq(estimates.runId, runId), eq(estimates.kind, 'TASK')))
      .orderBy(asc(estimates.createdAt));
    const out = new Map<number, { value: number; status: unknown }[]>();
    for (const r of rows) out.set(r.taskId, [...(out.get(r.taskId) ?? []), { value: Number(r.value), status: r.features.status }]);
    return new Map([...out].sort(([a], [b]) => a - b));
  }
  /** The price-sheet cost of a task on 2 of the VM's cpus (and 4 GB of its memory) for `ms`, at the price in force when it started. */
  async function priceSheetCost(ms: number, region = 'westeurope') {
    const answer = await new PriceService(db.db).lookup({ vmSize: VM, region, priority: 'DEDICATED', date: new Date(T0) });
    const p = answer ?? assert.fail('no price');
    const share = Math.min(1, Math.max(2 / p.price.vcpus, 4 / Number(p.price.memoryGib)));
    return (Number(p.price.pricePerHour) * share * ms) / 3_600_000;
  }
  const near = (actual: number | string, expected: number, what: string) =>
    assert.ok(Math.abs(Number(actual) / expected - 1) < 1e-9, `${what}: ${actual}, expected ${expected}`);

  test("the trace import's facts re-price tasks the weblog priced first; the figure counts each task once, at its latest price", async () => {
    const { session, runId } = await startedRun();
    // task 1: the weblog said 60 s; task 2: the weblog said it failed; task 3: the trace will say what the weblog said
    await weblog(processEvent(session, 'process_completed', 1));
    const failed = processEvent(session, 'process_completed', 2);
    await weblog({ ...failed, trace: { ...failed.trace, status: 'FAILED', exit: 1 } });
    await weblog(processEvent(session, 'process_completed', 3));
    const first = await reprice(runId);
    const minute = await priceSheetCost(60_000);
    assert.deepEqual([...(await taskRows(runId)).entries()], [
      [1, [{ value: Number(minute.toFixed(10)), status: 'COMPLETED' }]],
      [2, [{ value: Number(minute.toFixed(10)), status: 'FAILED' }]],
      [3, [{ value: Number(minute.toFixed(10)), status: 'COMPLETED' }]],
    ]);
    near(first.features.spent as string, 3 * minute, 'spent before the trace');

    // the trace: task 1 ran 30 minutes, task 2 completed after all (and took 2 minutes), task 3 as the weblog said
    const report = await importRows(runId, traceRow(1, 'COMPLETED', 1_800_000) + traceRow(2, 'COMPLETED', 120_000) + traceRow(3, 'COMPLETED', 60_000));
    assert.equal(report.rejectedCount, 0);
    const second = await reprice(runId);
    const rows = await taskRows(runId);
    assert.deepEqual(rows.get(1)!.map((r) => r.status), ['COMPLETED', 'COMPLETED']);
    near(rows.get(1)![1].value, await priceSheetCost(1_800_000), 'task 1 re-priced');
    assert.deepEqual(rows.get(2)!.map((r) => r.status), ['FAILED', 'COMPLETED']);
    near(rows.get(2)![1].value, await priceSheetCost(120_000), 'task 2 re-priced');
    assert.equal(rows.get(3)!.length, 1, 'task 3 did not change: no new row');
    // each task once, at its latest price; the earlier rows stay as history
    const spent = (await priceSheetCost(1_800_000)) + (await priceSheetCost(120_000)) + minute;
    near(second.features.spent as string, spent, 'spent after the trace');
    assert.equal(second.features.unpricedTasks, 0);
    assert.equal(second.features.finishedTasks, 3);

    // nothing changed since: a re-price writes no TASK row and gives the same figure
    const third = await reprice(runId);
    assert.equal([...(await taskRows(runId)).values()].flat().length, 5);
    assert.equal(third.features.spent, second.features.spent);
  });

  test('a priced task the trace says was CACHED no longer counts; one it says was ABORTED counts for the time it ran, as one first seen ABORTED does', async () => {
    const { session, runId } = await startedRun();
    for (const taskId of [1, 2, 3]) await weblog(processEvent(session, 'process_completed', taskId));
    const minute = await priceSheetCost(60_000);
    near((await reprice(runId)).features.spent as string, 3 * minute, 'three tasks of a minute');

    // the trace (at the same status the trace leads): task 1 reused an earlier run's result, task 2 was
    // killed after 2 minutes, task 3 as the weblog said, task 4 killed after 30 s (never completed), task 5
    // killed before it started (no realtime: nothing known spent on it)
    const neverStarted = `5\ttr/5\tnat-5\tALIGN (s5)\tABORTED\t-\t${stamp(T0)}\t-\t-\t-\t-\t2\t4 GB\t${POOL}\n`;
    const report = await importRows(runId, traceRow(1, 'CACHED', 60_000) + traceRow(2, 'ABORTED', 120_000) + traceRow(3, 'COMPLETED', 60_000) + traceRow(4, 'ABORTED', 30_000) + neverStarted);
    assert.equal(report.rejectedCount, 0);
    const after = await reprice(runId);
    near(after.features.spent as string, (await priceSheetCost(120_000)) + minute + (await priceSheetCost(30_000)), 'task 1 costs nothing on this run');
    assert.equal(after.features.finishedTasks, 3);
    assert.equal(after.features.unpricedTasks, 0);
    const rows = await taskRows(runId);
    assert.deepEqual(rows.get(1)!.map((r) => [r.status, r.value]), [['COMPLETED', Number(minute.toFixed(10))], ['CACHED', 0]], 'task 1: its figure superseded by one that counts nothing');
    assert.deepEqual(rows.get(2)!.map((r) => r.status), ['COMPLETED', 'ABORTED']);
    assert.equal(rows.get(3)!.length, 1);
    assert.deepEqual(rows.get(4)!.map((r) => r.status), ['ABORTED']);
    assert.equal(rows.get(5), undefined);

    // nothing changed since: no TASK row, the same figure
    const count = [...rows.values()].flat().length;
    const again = await reprice(runId);
    assert.equal(again.features.spent, after.features.spent);
    assert.equal([...(await taskRows(runId)).values()].flat().length, count);

    // a newer trace says task 1 completed after all: it counts again, once
    await importRows(runId, traceRow(1, 'COMPLETED', 60_000));
    const back = await reprice(runId);
    near(back.features.spent as string, (await priceSheetCost(120_000)) + 2 * minute + (await priceSheetCost(30_000)), 'task 1 counts again');
    assert.deepEqual((await taskRows(runId)).get(1)!.map((r) => r.status), ['COMPLETED', 'CACHED', 'COMPLETED']);
  });

  test('a task rewritten when the last re-price is 2^31 transactions back (its 32-bit xid wrapped) is re-priced all the same', async () => {
    const { session, runId } = await startedRun();
    await weblog(processEvent(session, 'process_completed', 1));
    await reprice(runId);
    // the trace says task 1 ran 30 minutes
    await importRows(runId, traceRow(1, 'COMPLETED', 1_800_000));
    // the last re-price's snapshot xmin, 2^31 + 1000 transactions before the next one: as a 32-bit xid (what
    // a tuple's xmin and age() know) that is this number, which a test database, short of 2^31 transactions,
    // can only write as one ahead of it (the epoch is what differs, and xid() drops it)
    await db.db.execute(sql`
      update estimates set features = jsonb_set(features, '{tasksXmin}', to_jsonb((pg_current_xact_id()::text::bigint + 2147483648 - 1000)::text))
      where org_id = ${orgId} and run_id = ${runId} and kind = 'LIVE'`);
    const after = await reprice(runId);
    const rows = await taskRows(runId);
    assert.equal(rows.get(1)!.length, 2, 'task 1 re-priced');
    near(rows.get(1)![1].value, await priceSheetCost(1_800_000), 'task 1 at the trace\'s 30 minutes');
    near(after.features.spent as string, await priceSheetCost(1_800_000), 'spent');
  });

  test("a registered run's task rewritten before a captured run merged into it (that run re-priced later) is re-priced after the merge", async () => {
    const [{ id: registered }] = (await db.db.execute(sql`insert into runs (org_id) values (${orgId}) returning id::text as id`)) as unknown as { id: string }[];
    await importRows(registered, traceRow(1, 'COMPLETED', 60_000));
    await reprice(registered);
    // a newer trace of the registered run: task 1 ran 30 minutes
    await importRows(registered, traceRow(1, 'COMPLETED', 1_800_000));
    // the weblog's `started` is late: task 2's event makes a run of its own, re-priced after the trace
    const session = `c4a96e00-0000-4000-8000-${String(++sessions).padStart(12, '0')}`;
    const { runId: captured } = await weblog(processEvent(session, 'process_completed', 2));
    assert.notEqual(captured, registered);
    await reprice(captured);
    // `started` names the registered run: the captured one, its live figures with it, is merged into it
    assert.equal((await weblog(workflowEvent(session, 'started', { [capture.runIdParam]: registered }))).runId, registered);
    const merged = await reprice(registered);
    const rows = await taskRows(registered);
    assert.equal(rows.get(1)!.length, 2, 'task 1 re-priced');
    near(merged.features.spent as string, (await priceSheetCost(1_800_000)) + (await priceSheetCost(60_000)), 'spent: task 1 at 30 minutes, task 2 at 1');
  });

  test('a task whose redeclared pool names a VM size the price sheet lacks is no longer counted at its old price, and is priced again once it has one', async () => {
    const pool = 'nf-renamed';
    await new PoolService(db.db, orgId).declare({ name: pool, region: 'westeurope', vmSize: VM, priority: 'DEDICATED' });
    const { runId } = await startedRun();
    await importRows(runId, traceRow(1, 'COMPLETED', 3_600_000, pool) + traceRow(2, 'COMPLETED', 60_000, POOL));
    const first = await reprice(runId);
    near(first.features.spent as string, (await priceSheetCost(3_600_000)) + (await priceSheetCost(60_000)), 'both priced');

    // the pool ran another VM size, one with no price: task 1 cannot be priced now
    await new PoolService(db.db, orgId).declare({ name: pool, region: 'westeurope', vmSize: 'Standard_Unpriced_v9', priority: 'DEDICATED' });
    const unpriced = await reprice(runId);
    near(unpriced.features.spent as string, await priceSheetCost(60_000), 'task 2 only');
    assert.equal(unpriced.features.unpricedTasks, 1);
    assert.equal(unpriced.features.finishedTasks, 2);
    // and again: nothing changed, nothing written
    const rowsBefore = [...(await taskRows(runId)).values()].flat().length;
    const again = await reprice(runId);
    assert.equal(again.features.spent, unpriced.features.spent);
    assert.equal([...(await taskRows(runId)).values()].flat().length, rowsBefore);

    // back to a priced size: task 1 counts again, once
    await new PoolService(db.db, orgId).declare({ name: pool, region: 'westeurope', vmSize: VM, priority: 'DEDICATED' });
    const back = await reprice(runId);
    near(back.features.spent as string, (await priceSheetCost(3_600_000)) + (await priceSheetCost(60_000)), 'both priced again');
    assert.equal(back.features.unpricedTasks, 0);
  });

  test('a redeclared pool re-prices its finished tasks; a price for their own region follows the price sheet, one that takes effect after they started does not', async () => {
    const { runId } = await startedRun();
    await importRows(runId, traceRow(1, 'COMPLETED', 3_600_000, EAST_POOL) + traceRow(2, 'COMPLETED', 3_600_000, POOL));
    const first = await reprice(runId);
    const hour = await priceSheetCost(3_600_000);
    near(first.features.spent as string, 2 * hour, 'both at the reference region\'s price');

    // a price for eastus, in force since before the tasks started: task 1's own region now has one
    const { id: _, createdAt: _c, updatedAt: _u, ...westPrice } = (await new PriceService(db.db).lookup({ vmSize: VM, region: 'westeurope', priority: 'DEDICATED', date: new Date(T0) }))!.price;
    await db.db.insert(prices).values({ ...westPrice, region: 'eastus', pricePerHour: '0.36', source: 'test' });
    const east = await reprice(runId);
    const eastHour = await priceSheetCost(3_600_000, 'eastus');
    assert.ok(eastHour > hour * 1.4, `eastus ${eastHour}, westeurope ${hour}`);
    near(east.features.spent as string, eastHour + hour, 'task 1 at its own region\'s price');
    assert.deepEqual([...(await taskRows(runId)).entries()].map(([id, r]) => [id, r.length]), [[1, 2], [2, 1]]);

    // a westeurope price from after the tasks started: they were priced at the one in force then
    await db.db.insert(prices).values({ ...westPrice, pricePerHour: '9.99', effectiveFrom: '2025-12-01', source: 'test' });
    const later = await reprice(runId);
    assert.equal(later.features.spent, east.features.spent);
    assert.equal([...(await taskRows(runId)).values()].flat().length, 3);

    // the pool task 2 ran on is redeclared: its nodes were low-priority
    await new PoolService(db.db, orgId).declare({ name: POOL, region: 'westeurope', vmSize: VM, priority: 'LOW_PRIORITY' });
    const bigger = await reprice(runId);
    const rows = await taskRows(runId);
    assert.equal(rows.get(2)!.length, 2);
    assert.ok(rows.get(2)![1].value < rows.get(2)![0].value, `low-priority ${rows.get(2)![1].value}, dedicated ${rows.get(2)![0].value}`);
    near(bigger.features.spent as string, eastHour + rows.get(2)![1].value, 'task 2 at the low-priority price');
  });
});
