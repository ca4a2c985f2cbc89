import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { tasks } from '../../src/db/schema/index.js';
import { billedRuns, pricedRuns, taskCostSql, taskPriceJoin } from '../../src/services/history.js';
import { MIN_RUN_SAMPLES, usable } from '../../src/services/model-versions.js';
import { createOrganization } from '../../src/services/organizations.js';
import { PoolService } from '../../src/services/pools.js';
import { ProjectService } from '../../src/services/projects.js';
import { BILL_SETTLE_HOURS } from '../../src/services/billed-in-full.js';
import { reconcile } from '../../src/services/reconcile.js';
import { RunService } from '../../src/services/runs.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const VM = 'Standard_D4_v3';
const POOL = 'nf-d4';
const EUR_POOL = 'nf-d4-eur';
const resource = (pool: string) => `/subscriptions/x/resourceGroups/g/providers/Microsoft.Batch/batchAccounts/b/pools/${pool}`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHARE = { idleMode: 'SHARE' as const, driftThreshold: 0.2, trigger: 'test' };
/** 08:00 UTC sixty days ago: long enough ago for a reconciliation today to find these runs' bills settled. */
const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 60 * 86_400_000 + 8 * 3_600_000;
type Status = 'COMPLETED' | 'FAILED' | 'ABORTED' | 'CACHED';

describe('run history: what each finished run cost, for run-level models', () => {
  let db: TestDatabase;
  let orgId: string;
  let otherOrg: string;
  const ids: Record<string, string> = {};
  let hourly: number;

  interface RunOpts {
    org?: string;
    pipeline?: string;
    status?: string;
    actual?: string;
    currency?: string;
    /** Submitted, started and completed, ms. */
    at: number;
    end?: number;
    inputBytes?: number;
    /** Status, wall ms, VM size (default D4 v3), pool (default the declared one; null: none), priority, start (default `at`). */
    tasks?: [Status, number | null, string?, (string | null)?, ('DEDICATED' | 'LOW_PRIORITY' | 'SPOT')?, number?][];
  }

  async function run(name: string, o: RunOpts) {
    const org = o.org ?? orgId;
    const r = await new RunService(db.db, org, 500).register({ projectCode: 'P', pipeline: o.pipeline ?? 'atac', sampleCount: 2, inputBytes: o.inputBytes ?? 5e9, runName: name });
    await db.db.execute(sql`update runs set status = ${o.status ?? 'SUCCEEDED'}::run_status, actual_cost = ${o.actual ?? null}::numeric, currency = ${o.currency ?? 'USD'},
      submitted_at = ${new Date(o.at).toISOString()}::timestamptz, started_at = ${new Date(o.at).toISOString()}::timestamptz,
      completed_at = ${new Date(o.end ?? o.at + 2 * HOUR).toISOString()}::timestamptz
      where org_id = ${org} and id = ${r.id}`);
    const list = o.tasks ?? [];
    if (list.length > 0) {
      await db.db.insert(tasks).values(list.map(([status, wallMs, vmSize, pool, priority, start], i) => ({
        orgId: org, runId: r.id, taskId: i + 1, process: 'ALIGN', status, source: 'trace' as const,
        submittedAt: new Date(o.at), startedAt: wallMs === null ? null : new Date(start ?? o.at), realtimeMs: wallMs,
        // 2 of the VM's 4 vCPUs: half its price per hour
        cpus: 2, vmSize: vmSize ?? VM, priority: priority ?? ('DEDICATED' as const), pool: pool === undefined ? POOL : pool,
      })));
    }
    ids[name] = r.id;
  }

  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'Runs', slug: 'runs' })).organization.id;
    otherOrg = (await createOrganization(db.db, { name: 'Other', slug: 'runs-other' })).organization.id;
    for (const org of [orgId, otherOrg]) {
      await new ProjectService(db.db, org).create({ code: 'P', name: 'p' });
      await new PoolService(db.db, org).declare({ name: POOL, region: 'westeurope', vmSize: VM, priority: 'DEDICATED', resourceId: resource(POOL) });
    }
    await new PoolService(db.db, orgId).declare({ name: EUR_POOL, region: 'westeurope', vmSize: VM, priority: 'DEDICATED', resourceId: resource(EUR_POOL) });
    // the bill: a node every hour of the reconciled days, one pool billed in euros
    const [from, to] = [new Date(T0 - 2 * DAY).toISOString(), new Date(T0 + 3 * DAY).toISOString()];
    await db.db.execute(sql`select cost_records_ensure_partitions(${from}, ${to})`);
    for (const [org, pool, cost, currency] of [[orgId, POOL, '0.25', 'USD'], [otherOrg, POOL, '0.25', 'USD'], [orgId, EUR_POOL, '0.2', 'EUR']]) {
      await db.db.execute(sql`
        insert into cost_records (org_id, provider, resource_id, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
        select ${org}, 'azure', ${resource(pool)}, h, h + interval '1 hour', ${cost}::numeric, ${currency}, 1, '1 Hour', 'file', md5(${org}::text || ${pool} || h::text)::uuid
        from generate_series(${from}::timestamptz, ${to}::timestamptz - interval '1 hour', interval '1 hour') h`);
    }
    await run('billed', { at: T0 + 1000, tasks: [['COMPLETED', HOUR]] });
    // registered after it, but submitted first: history is in time order
    await run('priced', { at: T0, inputBytes: 8e9, tasks: [['COMPLETED', HOUR], ['FAILED', HOUR / 2], ['ABORTED', null]] });
    // ends three and a half days in: the window below does not hold its last day
    await run('partial', { at: T0 + 2000, end: T0 + 3.5 * DAY, tasks: [['COMPLETED', HOUR]] });
    await run('failedUnpriced', { at: T0 + 3000, tasks: [['COMPLETED', HOUR], ['FAILED', 10 * HOUR, 'Standard_Unknown_v9']] });
    await run('resumed', { at: T0 + 4000, tasks: [['CACHED', HOUR], ['COMPLETED', HOUR]] });
    await run('running', { at: T0 + 5000, status: 'RUNNING', tasks: [['COMPLETED', HOUR]] });
    await run('euro', { at: T0 + 6000, currency: 'EUR', tasks: [['COMPLETED', HOUR, VM, EUR_POOL]] });
    // a task outside any billed pool: no bill line finds it, so its run's actual is short
    await run('unpooled', { at: T0 + 6500, tasks: [['COMPLETED', HOUR], ['COMPLETED', HOUR, VM, null]] });
    // a completed task without a wall time on an unknown size: its cost is not known, not 0
    await run('noWall', { at: T0 + 6600, tasks: [['COMPLETED', HOUR], ['COMPLETED', null, 'Standard_Nope']] });
    // ended an hour ago and reconciled now: its last hours' bill may not be in, nor revised
    await run('recent', { at: Date.now() - 5 * HOUR, end: Date.now() - HOUR, actual: '1', tasks: [['COMPLETED', HOUR]] });
    // a task that ran without a known end: reconciliation cannot allocate it
    await run('noEnd', { at: T0 + 7000, tasks: [['COMPLETED', HOUR], ['FAILED', null]] });
    await db.db.execute(sql`update tasks set started_at = ${new Date(T0 + 7000).toISOString()}::timestamptz
      where org_id = ${orgId} and run_id = ${ids.noEnd} and status = 'FAILED'`);
    // price keys of every kind: sizes, tiers (SPOT at the low-priority rate), no pool, a second day, a size in another case
    await run('mixed', {
      at: T0 + 7500, pipeline: 'mixed',
      tasks: [
        ['COMPLETED', HOUR], ['COMPLETED', 2 * HOUR, 'Standard_E8_v3'], ['COMPLETED', HOUR / 3, 'Standard_E8_v3'], ['FAILED', HOUR / 4, 'Standard_E8_v3', POOL, 'LOW_PRIORITY'],
        ['COMPLETED', HOUR, VM, null, 'SPOT'], ['COMPLETED', 3 * HOUR, 'standard_d16_v3', POOL, 'DEDICATED', T0 + DAY],
        ['COMPLETED', HOUR / 2, VM, POOL, 'DEDICATED', T0 + DAY],
      ],
    });
    await run('otherPipeline', { at: T0 + 7000, pipeline: 'sarek', tasks: [['COMPLETED', 2 * HOUR]] });
    await run('theirs', { org: otherOrg, at: T0 + 8000, tasks: [['COMPLETED', HOUR]] });
    // long after those runs (today), over their days; another over today's
    for (const org of [orgId, otherOrg]) await reconcile(db.db, org, { from: new Date(T0 - 2 * DAY), to: new Date(T0 + 3 * DAY) }, SHARE);
    await reconcile(db.db, orgId, { from: new Date(Date.now() - 2 * DAY), to: new Date(Date.now() + DAY) }, SHARE);
    [{ hourly }] = (await db.db.execute(sql`select price_per_hour::float8 as hourly from prices
      where provider = 'azure' and vm_size = ${VM} and priority = 'DEDICATED' order by effective_from desc limit 1`)) as unknown as { hourly: number }[];
  });
  after(() => db.drop());

  /** SUCCEEDED runs of `atac` with every hour of every task that ran billed, in time order. */
  const BILLED_ATAC = ['priced', 'billed', 'failedUnpriced', 'euro', 'noWall'];
  const names = (list: { runId: string }[]) => list.map((r) => Object.keys(ids).find((k) => ids[k] === r.runId));

  test("billed: runs a reconciliation long after them held whole, at their actual cost (not their tasks')", async () => {
    const billed = await billedRuns(db.db, orgId, 'atac');
    // a task's size unknown to the price sheet, or one that never started, does not keep a run from its bill
    assert.deepEqual(names(billed), BILLED_ATAC);
    const one = billed[1];
    assert.equal(one.runId, ids.billed);
    // what the bill's lines gave the run (its task's share and its share of the idle), not its task at the price sheet
    const [{ allocated }] = (await db.db.execute(sql`select sum(amount)::float8 as allocated from allocations where org_id = ${orgId} and run_id = ${ids.billed}`)) as unknown as { allocated: number }[];
    assert.equal(one.cost, allocated);
    assert.ok(Math.abs(one.cost - hourly * 0.5) > 0.01, `${one.cost}`);
    assert.deepEqual(one.features, { process: 'atac', sampleCount: 2, inputBytes: 5e9 });
    assert.equal(one.at, T0 + 1000);
    assert.deepEqual(names(await billedRuns(db.db, orgId)), [...BILLED_ATAC, 'otherPipeline']);
    assert.deepEqual((await billedRuns(db.db, orgId)).map((r) => r.currency), ['USD', 'USD', 'USD', 'EUR', 'USD', 'USD']);
    assert.deepEqual(names(await billedRuns(db.db, orgId, 'sarek')), ['otherPipeline']);
  });

  test('priced: every attempt that ran at the price sheet, in time order; a run with an attempt that cannot be priced is left out', async () => {
    const priced = await pricedRuns(db.db, orgId, ['atac']);
    assert.deepEqual(names(priced), ['priced', 'billed', 'partial', 'unpooled', 'recent']);
    // 1 h completed + 0.5 h failed, at half the VM; the aborted attempt never ran
    assert.ok(Math.abs(priced[0].cost - hourly * 0.5 * 1.5) < 1e-9, `${priced[0].cost} against ${hourly * 0.75}`);
    assert.equal(priced[0].features.inputBytes, 8e9);
    assert.ok(Math.abs(priced[1].cost - hourly * 0.5) < 1e-9);
    assert.deepEqual(names(await pricedRuns(db.db, orgId, ['sarek'])), ['otherPipeline']);
    assert.deepEqual(await pricedRuns(db.db, orgId, []), []);
  });

  test('not billed in full: a run the window does not hold whole, a task outside billed pools or without an end, a run reconciled too soon after it ended, idle kept apart', async () => {
    const billed = new Set((await billedRuns(db.db, orgId)).map((r) => r.runId));
    for (const k of ['partial', 'unpooled', 'recent', 'noEnd']) assert.ok(!billed.has(ids[k]), k);
    assert.equal(BILL_SETTLE_HOURS, 72);
    // a later reconciliation that keeps idle apart: the run's actual no longer holds its idle
    await reconcile(db.db, orgId, { from: new Date(T0 - 2 * DAY), to: new Date(T0 + 3 * DAY) }, { ...SHARE, idleMode: 'SEPARATE' });
    assert.deepEqual(await billedRuns(db.db, orgId, 'atac'), []);
    await reconcile(db.db, orgId, { from: new Date(T0 - 2 * DAY), to: new Date(T0 + 3 * DAY) }, SHARE);
    assert.deepEqual(names(await billedRuns(db.db, orgId, 'atac')), BILLED_ATAC);
  });

  test('priced by groups of tasks, a run costs what pricing each of its tasks on its own gives', async () => {
    const [mixed] = await pricedRuns(db.db, orgId, ['mixed']);
    const [{ each }] = (await db.db.execute(sql`
      select sum(${taskCostSql()})::float8 as each from tasks t join runs r on r.org_id = t.org_id and r.id = t.run_id ${taskPriceJoin()}
      where t.org_id = ${orgId} and t.run_id = ${ids.mixed}`)) as unknown as { each: number }[];
    assert.ok(each > 0);
    assert.ok(Math.abs(mixed.cost - each) < 1e-9, `${mixed.cost} against ${each}`);
  });

  test('left out of both: a resumed run, a run still running, another organization; of the priced ones, a cost not known', async () => {
    const seen = new Set([...(await billedRuns(db.db, orgId)), ...(await pricedRuns(db.db, orgId, ['atac', 'sarek']))].map((r) => r.runId));
    for (const k of ['resumed', 'running', 'theirs']) assert.ok(!seen.has(ids[k]), k);
    const priced = new Set((await pricedRuns(db.db, orgId, ['atac', 'sarek'])).map((r) => r.runId));
    for (const k of ['failedUnpriced', 'noWall']) assert.ok(!priced.has(ids[k]), k);
    // a EUR run's tasks cannot be priced in its currency (the shipped prices are USD)
    assert.ok(!(await pricedRuns(db.db, orgId, ['atac'])).some((r) => r.runId === ids.euro));
    assert.deepEqual(names(await billedRuns(db.db, otherOrg)), ['theirs']);
    assert.deepEqual(names(await pricedRuns(db.db, otherOrg, ['atac'])), ['theirs']);
  });
});

test('run-level samples: per pipeline, the runs in its most common currency (ties alphabetical), from MIN_RUN_SAMPLES', () => {
  const runs = (pipeline: string, currency: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({ pipeline, runId: `${pipeline}-${currency}-${i}`, features: { process: pipeline }, cost: 1, currency, at: i }));
  const picked = usable([
    ...runs('a', 'USD', 10), ...runs('a', 'EUR', 12), // EUR has more
    ...runs('b', 'USD', 11), ...runs('b', 'EUR', 11), // a tie: EUR before USD
    ...runs('c', 'USD', MIN_RUN_SAMPLES - 1), ...runs('c', 'EUR', 3), // too few in any one currency
  ]);
  assert.deepEqual([...picked].map(([p, s]) => [p, s.currency, s.runs.length]).sort(), [['a', 'EUR', 12], ['b', 'EUR', 11]]);
});
