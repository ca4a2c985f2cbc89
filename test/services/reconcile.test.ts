/**
 * Reconciliation on data built from the shipped fixtures: the tasks of a real Nextflow trace (its
 * submit times, durations and realtimes; moved by whole days into the price snapshot's validity),
 * a real Azure Batch price (Standard_D4_v3, West Europe), and a synthetic hourly bill for the pool
 * that bills more node-hours than the tasks used (known idle), one hour that bills less (the tasks
 * must be scaled down), one hour without a consumed quantity (the listed price is the rate), and a
 * line of another resource (unallocated). The expected split is computed here from the raw trace
 * file, not from the database.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { prices } from '../../src/db/schema/index.js';
import { parseAzureBatchPrices } from '../../src/ingest/prices/azure-batch-prices.js';
import { builtinRegistry } from '../../src/models/builtins.js';
import { countAlerts } from '../../src/services/alerts.js';
import { EstimateService } from '../../src/services/estimates.js';
import { importTrace } from '../../src/services/capture/trace-import.js';
import { createOrganization } from '../../src/services/organizations.js';
import { PipelineService } from '../../src/services/pipelines.js';
import { PoolService } from '../../src/services/pools.js';
import { reconcile, type ReconcileOptions } from '../../src/services/reconcile.js';
import { naiveBytes, naiveMs, splitTsv, traceFixture } from '../ingest/nextflow/helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { rowHash } from '../support/row-hash.js';
import { fixturePath } from '../support/fixtures.js';

const TRACE = 'execution_trace_2021-03-04.txt';
const PRICE_FILE = 'BatchSupportedVmSizeInformation_2024-01-08.json';
const VM = 'Standard_D4_v3';
const POOL = 'nf-d4';
const RESOURCE = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/genomics/providers/Microsoft.Batch/batchAccounts/labbatch/pools/nf-d4';
const HOUR = 3_600_000;
/** 2021-03-04 → 2024-02-05: after the snapshot's effective date, same time of day. */
const SHIFT_MS = Date.UTC(2024, 1, 5) - Date.UTC(2021, 2, 4);
/** The second run: the same trace, 90 minutes later, so the runs share pool hours. */
const RUN2_OFFSET_MS = 90 * 60_000;
const SHARE: ReconcileOptions = { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' };
const GIB = 1024 ** 3;

interface TraceTask {
  taskId: number;
  start: number;
  end: number;
  cpus: number;
  memoryBytes: number | null;
}

/** Tasks from the raw file: start = submit + (duration − realtime), end = submit + duration. */
function traceTasks(): TraceTask[] {
  const { header, rows } = splitTsv(traceFixture(TRACE));
  const at = (r: string[], c: string) => r[header.indexOf(c)];
  return rows.map((r) => {
    const submit = Date.parse(at(r, 'submit').replace(' ', 'T') + 'Z') + SHIFT_MS;
    const duration = naiveMs(at(r, 'duration'));
    const realtime = at(r, 'realtime') === '-' ? duration : naiveMs(at(r, 'realtime'));
    const taskId = Number(at(r, 'task_id'));
    const rss = at(r, 'peak_rss');
    // the trace has no requests: 1–4 cpus by task id, memory 12 × peak RSS, so either share can be the larger
    return { taskId, start: submit + duration - realtime, end: submit + duration, cpus: 1 + (taskId % 4), memoryBytes: rss === '-' ? null : naiveBytes(rss) * 12 };
  });
}

interface Line {
  start: number;
  cost: string;
  quantity: string | null;
}

describe('reconcile', () => {
  let t: TestDatabase;
  let orgA: string;
  let orgB: string;
  let runs: string[];
  let price: number;
  let vcpus: number;
  let memoryGib: number;
  let lines: Line[];
  const storageCost = '1.2345';
  const tasks = traceTasks();

  const shareOf = (task: TraceTask) => Math.min(1, Math.max(task.cpus / vcpus, (task.memoryBytes ?? 0) / (memoryGib * GIB)));
  const runTasks = () => [
    ...tasks.map((x) => ({ ...x, run: runs[0] })),
    ...tasks.map((x) => ({ ...x, run: runs[1], start: x.start + RUN2_OFFSET_MS, end: x.end + RUN2_OFFSET_MS })),
  ];

  /** The rule, written out over the raw data: per line, per run. */
  function expected(mode: 'SHARE' | 'SEPARATE') {
    const perRun = new Map<string, number>();
    let tasksTotal = 0;
    let poolIdle = 0;
    let sharedIdle = 0;
    let scaledLines = 0;
    for (const line of lines) {
      const cost = Number(line.cost);
      const pieces = runTasks()
        .map((x) => ({ run: x.run, w: (shareOf(x) * (Math.min(x.end, line.start + HOUR) - Math.max(x.start, line.start))) / HOUR }))
        .filter((p) => p.w > 0);
      const sw = pieces.reduce((s, p) => s + p.w, 0);
      if (sw === 0) {
        poolIdle += cost;
        continue;
      }
      const scale = Math.min(price, cost / sw);
      if (scale < price) scaledLines++;
      const byRun = new Map<string, number>();
      for (const p of pieces) byRun.set(p.run, (byRun.get(p.run) ?? 0) + p.w * scale);
      const allocated = sw * scale;
      tasksTotal += allocated;
      const idle = cost - allocated;
      for (const [run, amount] of byRun) {
        const share = mode === 'SHARE' ? (idle * amount) / allocated : 0;
        perRun.set(run, (perRun.get(run) ?? 0) + amount + share);
      }
      if (mode === 'SHARE') sharedIdle += idle;
      else poolIdle += idle;
    }
    return { perRun, tasksTotal, poolIdle, sharedIdle, scaledLines };
  }

  async function setUpOrg(slug: string): Promise<{ orgId: string; runIds: string[] }> {
    const { organization } = await createOrganization(t.db, { name: slug, slug });
    const orgId = organization.id;
    await new PoolService(t.db, orgId).declare({ name: POOL, region: 'westeurope', vmSize: VM, priority: 'DEDICATED', resourceId: RESOURCE });
    const runIds: string[] = [];
    for (const offset of [0, RUN2_OFFSET_MS]) {
      // one real trace makes both runs (shifted below): a new run each time, not the repeat of the first
      const report = await importTrace(t.db, orgId, Readable.from([traceFixture(TRACE)]), loadConfig({}).capture, { timeZone: 'UTC', newRunForRepeat: true });
      const values = tasks.map((x) => ({ task_id: x.taskId, s: new Date(x.start + offset).toISOString(), e: new Date(x.end + offset).toISOString(), cpus: x.cpus, mem: x.memoryBytes }));
      await t.sql`
        update tasks set pool = ${POOL}, started_at = v.s, completed_at = v.e, cpus = v.cpus, memory_bytes = v.mem
        from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v(task_id int, s timestamptz, e timestamptz, cpus int, mem bigint)
        where tasks.org_id = ${orgId} and tasks.run_id = ${report.runId} and tasks.task_id = v.task_id`;
      runIds.push(report.runId);
    }
    return { orgId, runIds };
  }

  async function insertBill(orgId: string): Promise<void> {
    await t.sql`select cost_records_ensure_partitions(${new Date(lines[0].start).toISOString()}, ${new Date(lines.at(-1)!.start).toISOString()})`;
    for (const [i, line] of lines.entries()) {
      await t.sql`
        insert into cost_records (org_id, provider, resource_id, service_name, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
        values (${orgId}, 'azure', ${RESOURCE.toLowerCase()}, 'Azure Batch', ${new Date(line.start).toISOString()}, ${new Date(line.start + HOUR).toISOString()},
          ${line.cost}, 'USD', ${line.quantity}, ${line.quantity === null ? null : '1 Hour'}, 'file', ${rowHash(`pool-${i}`)})`;
    }
    await t.sql`
      insert into cost_records (org_id, provider, resource_id, service_name, charge_period_start, charge_period_end, billed_cost, currency, source, row_hash)
      values (${orgId}, 'azure', '/subscriptions/x/resourceGroups/genomics/providers/Microsoft.Storage/storageAccounts/labdata', 'Storage',
        ${new Date(lines[1].start).toISOString()}, ${new Date(lines[1].start + HOUR).toISOString()}, ${storageCost}, 'USD', 'file', md5('storage')::uuid)`;
  }

  const window = () => ({ from: new Date(lines[0].start), to: new Date(lines.at(-1)!.start + HOUR) });

  before(async () => {
    t = await createTestDatabase();
    const parsed = parseAzureBatchPrices(readFileSync(fixturePath('azure-vm-prices', PRICE_FILE), 'utf8'), PRICE_FILE);
    await t.db.insert(prices).values(parsed.rows).onConflictDoNothing();
    const vm = parsed.rows.find((r) => r.vmSize === VM && r.priority === 'DEDICATED')!;
    price = Number(vm.pricePerHour);
    vcpus = vm.vcpus;
    memoryGib = Number(vm.memoryGib);

    const a = await setUpOrg('reco-a');
    orgA = a.orgId;
    runs = a.runIds;
    // the bill: every hour from one before the first task to one after the last
    const first = Math.floor(Math.min(...tasks.map((x) => x.start)) / HOUR) * HOUR - HOUR;
    const last = Math.floor((Math.max(...tasks.map((x) => x.end)) + RUN2_OFFSET_MS) / HOUR) * HOUR + HOUR;
    lines = [];
    for (let h = first; h <= last; h += HOUR) lines.push({ start: h, cost: '0', quantity: '1' });
    const usedNodeHours = (start: number) =>
      runTasks().reduce((s, x) => s + (shareOf(x) * Math.max(0, Math.min(x.end, start + HOUR) - Math.max(x.start, start))) / HOUR, 0);
    const busiest = lines.reduce((b, l) => (usedNodeHours(l.start) > usedNodeHours(b.start) ? l : b));
    for (const line of lines) {
      const used = usedNodeHours(line.start);
      // hundredths of a node-hour: known idle of at least one node-hour, except the busiest hour, billed for half what ran
      const nodes100 = line === busiest ? Math.floor(used * 50) : Math.ceil(used * 100) + 100;
      line.quantity = (nodes100 / 100).toFixed(2);
      line.cost = ((nodes100 * Math.round(price * 10_000)) / 1_000_000).toFixed(6);
    }
    // one hour with tasks has no consumed quantity: the pool VM's listed price is the rate
    lines.find((l) => l !== busiest && usedNodeHours(l.start) > 0)!.quantity = null;
    await insertBill(orgA);

    // another organization with the same pool, resource id, tasks and bill
    const b = await setUpOrg('reco-b');
    orgB = b.orgId;
    await insertBill(orgB);
  });
  after(() => t?.drop());

  const actuals = async (orgId: string) =>
    new Map((await t.sql<{ id: string; actual: string | null }[]>`select id, actual_cost::text as actual from runs where org_id = ${orgId}`).map((r) => [r.id, r.actual]));

  /** Lines (of one organization, or all) whose allocations do not sum to their cost exactly, in numeric. */
  const invariantViolations = async (orgId: string | null = null) =>
    t.sql<{ row_hash: string }[]>`
      select c.row_hash from cost_records c
      left join (select org_id, cost_row_hash, sum(amount) as total from allocations group by org_id, cost_row_hash) a
        on a.org_id = c.org_id and a.cost_row_hash = c.row_hash
      where a.total is distinct from coalesce(c.effective_cost, c.billed_cost) and (${orgId}::uuid is null or c.org_id = ${orgId}::uuid)`;

  test('splits each pool hour by share × time, idle is the rest, the storage line is unallocated', async () => {
    const record = await reconcile(t.db, orgA, window(), SHARE);
    const want = expected('SHARE');
    assert.equal(record.status, 'SUCCEEDED');
    assert.equal(record.lines, lines.length + 1);
    assert.equal(record.poolLines, lines.length);
    assert.equal(record.unallocatedLines, 1);
    assert.equal(record.runsUpdated, 2);
    assert.ok(want.scaledLines >= 1 && want.poolIdle > 0 && want.sharedIdle > 0, 'the bill exercises scaling, pool idle and shared idle');

    const got = await actuals(orgA);
    for (const run of runs) assert.ok(Math.abs(Number(got.get(run)) - want.perRun.get(run)!) < 1e-6, `run ${run}: ${got.get(run)} vs ${want.perRun.get(run)}`);

    const [sums] = await t.sql<{ cost: string; tasks: string; idle: string; shared: string; pool: string; unallocated: string }[]>`
      select sum(amount)::text as cost, coalesce(sum(amount) filter (where kind = 'TASK'), 0)::text as tasks,
        coalesce(sum(amount) filter (where kind = 'IDLE'), 0)::text as idle,
        coalesce(sum(amount) filter (where kind = 'IDLE' and run_id is not null), 0)::text as shared,
        coalesce(sum(amount) filter (where kind = 'IDLE' and run_id is null), 0)::text as pool,
        coalesce(sum(amount) filter (where kind = 'UNALLOCATED'), 0)::text as unallocated
      from allocations where org_id = ${orgA}`;
    assert.ok(Math.abs(Number(sums.tasks) - want.tasksTotal) < 1e-6, `tasks ${sums.tasks} vs ${want.tasksTotal}`);
    assert.ok(Math.abs(Number(sums.shared) - want.sharedIdle) < 1e-6, `shared idle ${sums.shared} vs ${want.sharedIdle}`);
    assert.ok(Math.abs(Number(sums.pool) - want.poolIdle) < 1e-6, `pool idle ${sums.pool} vs ${want.poolIdle}`);
    assert.equal(sums.unallocated, storageCost);
    // the record's totals are the window's allocations, per currency
    assert.deepEqual(record.totals, [{ currency: 'USD', cost: sums.cost, tasks: sums.tasks, idle: sums.idle, unallocated: sums.unallocated }]);

    const methods = await t.sql<{ method: string }[]>`select distinct method from allocations where org_id = ${orgA} and kind = 'TASK' order by 1`;
    assert.deepEqual(methods.map((m) => m.method), ['PRICE', 'RATE', 'SCALED']);
    // the scaled hour: everything billed went to tasks; idle is only what truncating to 10 places left
    const [scaled] = await t.sql<{ idle: string }[]>`
      select coalesce(sum(amount), 0)::text as idle from allocations where org_id = ${orgA} and kind = 'IDLE'
        and cost_row_hash in (select cost_row_hash from allocations where org_id = ${orgA} and method = 'SCALED')`;
    assert.ok(Number(scaled.idle) >= 0 && Number(scaled.idle) < 1e-7, scaled.idle);
    assert.deepEqual([...(await invariantViolations(orgA))], []);
  });

  test('re-running the window replaces its allocations: same rows, same actuals', async () => {
    const snapshot = () =>
      t.sql`select cost_row_hash, kind, method, run_id, task_id, share::text, hours::text, amount::text from allocations where org_id = ${orgA} order by 1, 2, 3, 4, 5`;
    const before = await snapshot();
    const actualsBefore = await actuals(orgA);
    const record = await reconcile(t.db, orgA, window(), SHARE);
    assert.deepEqual(await snapshot(), before);
    assert.deepEqual(await actuals(orgA), actualsBefore);
    const [n] = await t.sql<{ n: number }[]>`select count(distinct reconciliation_id)::int as n from allocations where org_id = ${orgA}`;
    assert.equal(n.n, 1);
    const [only] = await t.sql<{ id: string }[]>`select distinct reconciliation_id as id from allocations where org_id = ${orgA}`;
    assert.equal(only.id, record.id);
  });

  test("another organization's pool, tasks and lines are neither used nor touched", async () => {
    const aBefore = await t.sql`select * from allocations where org_id = ${orgA} order by id`;
    const record = await reconcile(t.db, orgB, window(), SHARE);
    assert.equal(record.lines, lines.length + 1);
    // same data on both sides: B's split equals A's, which it would not if either had seen the other's tasks
    const [bRuns, aRuns] = [await actuals(orgB), await actuals(orgA)];
    assert.deepEqual([...bRuns.values()].sort(), [...aRuns.values()].sort());
    assert.deepEqual(await t.sql`select * from allocations where org_id = ${orgA} order by id`, aBefore);
    const [cross] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from allocations a
      where (a.run_id is not null and not exists (select 1 from runs r where r.org_id = a.org_id and r.id = a.run_id))
         or not exists (select 1 from cost_records c where c.org_id = a.org_id and c.row_hash = a.cost_row_hash)
         or (a.task_id is not null and not exists (select 1 from tasks k where k.org_id = a.org_id and k.id = a.task_id and k.run_id = a.run_id))`;
    assert.equal(cross.n, 0);
    assert.deepEqual([...(await invariantViolations())], []);
  });

  test('idle kept apart: runs pay for their tasks only, the idle stays with the pool', async () => {
    await reconcile(t.db, orgA, window(), { ...SHARE, idleMode: 'SEPARATE' });
    const want = expected('SEPARATE');
    const got = await actuals(orgA);
    for (const run of runs) assert.ok(Math.abs(Number(got.get(run)) - want.perRun.get(run)!) < 1e-6);
    const [shared] = await t.sql<{ n: number }[]>`select count(*)::int as n from allocations where org_id = ${orgA} and kind = 'IDLE' and run_id is not null`;
    assert.equal(shared.n, 0);
    assert.deepEqual([...(await invariantViolations())], []);
    await reconcile(t.db, orgA, window(), SHARE);
  });

  test('stored estimates get their error; a run not billed in full raises no drift alert', async () => {
    const actual = Number((await actuals(orgA)).get(runs[0]));
    const estimate = (kind: string, model: string, value: number, at: string) =>
      t.sql`insert into estimates (org_id, run_id, kind, model_name, model_version, value, currency, created_at)
            values (${orgA}, ${runs[0]}, ${kind}, ${model}, '1', ${value.toFixed(6)}, 'USD', ${at})`;
    await estimate('QUOTE', 'price-sheet', actual * 1.5, '2024-02-01T00:00:00Z');
    await estimate('LIVE', 'price-sheet', actual * 3, '2024-02-05T21:10:00Z'); // superseded by the next one
    await estimate('LIVE', 'price-sheet', actual * 1.05, '2024-02-05T23:00:00Z');
    const first = await reconcile(t.db, orgA, window(), SHARE);
    assert.equal(first.estimateErrors, 2);
    // the window holds the bill's hours, not the run's days whole: what the run is billed so far may be short of its bill
    assert.equal(first.driftAlerts, 0);
    const [run] = await t.sql<{ billed: boolean }[]>`select billed_in_full as billed from runs where org_id = ${orgA} and id = ${runs[0]}`;
    assert.equal(run.billed, false);
    const errors = await t.sql<{ kind: string; ratio: string }[]>`select kind::text, error_ratio::text as ratio from estimate_errors where org_id = ${orgA} order by kind`;
    assert.deepEqual(errors.map((e) => e.kind), ['QUOTE', 'LIVE'].sort());
    const ratio = Object.fromEntries(errors.map((e) => [e.kind, Number(e.ratio)]));
    assert.ok(Math.abs(ratio.QUOTE - 0.5) < 1e-6 && Math.abs(ratio.LIVE - 0.05) < 1e-6, JSON.stringify(ratio));
    assert.equal(await countAlerts(t.db, orgA, 'estimate-drift:'), 0);
  });

  test("a quote's track record: each run billed in full, its newest quote (and its run-level figure) against its actual", async () => {
    const a = await actuals(orgA);
    const [a0, a1] = [Number(a.get(runs[0])), Number(a.get(runs[1]))];
    const pipeline = await new PipelineService(t.db, orgA).ensure('nf-core/atacseq', '2.1.2');
    await t.sql`update runs set pipeline_id = ${pipeline.id} where org_id = ${orgA} and id in ${t.sql(runs)}`;
    const quote = (runId: string, value: number, at: string, runModel?: number) =>
      t.sql`insert into estimates (org_id, run_id, kind, model_name, model_version, value, currency, created_at, features)
            values (${orgA}, ${runId}, 'QUOTE', 'median-baseline:runtimeMs', '4', ${value.toFixed(6)}, 'USD', ${at},
                    ${JSON.stringify(runModel === undefined ? {} : { runModel: { value: runModel, currency: 'USD', model: 'unit-rate:costPerRun@1' } })}::jsonb)`;
    // run 0 also has the 1.5× price-sheet quote of the test above, made earlier: only the newest quote of a run counts
    await quote(runs[0], a0 * 1.2, '2024-02-02T00:00:00Z', a0 * 0.9);
    await quote(runs[1], a1 * 0.8, '2024-02-02T00:00:00Z');
    // the runs' own times, as capture would have recorded them for the moved tasks
    await t.sql`update runs r set started_at = s.first, completed_at = s.last
      from (select run_id, min(started_at) as first, max(completed_at) as last from tasks where org_id = ${orgA} group by run_id) s
      where r.org_id = ${orgA} and r.id = s.run_id`;
    await reconcile(t.db, orgA, window(), SHARE);
    const estimates = new EstimateService(t.db, orgA, builtinRegistry(), loadConfig({}).estimation);
    // the bill's hours only: the window does not hold the runs' days whole (a daily line could be missing), so no run is billed in full
    assert.equal((await estimates.quote({ pipeline: 'nf-core/atacseq', samples: 2 })).trackRecord.runs, 0);
    await reconcile(t.db, orgA, { from: new Date(window().from.getTime() - 24 * HOUR), to: new Date(window().to.getTime() + 24 * HOUR) }, SHARE);

    const record = (await estimates.quote({ pipeline: 'nf-core/atacseq', samples: 2 })).trackRecord;
    assert.equal(record.runs, 2);
    assert.ok(Math.abs(record.mape! - 0.2) < 1e-6, JSON.stringify(record));
    assert.ok(Math.abs(record.bias! - ((1.2 * a0 + 0.8 * a1) / (a0 + a1) - 1)) < 1e-6, JSON.stringify(record));
    assert.equal(record.runModelRuns, 1);
    assert.ok(Math.abs(record.runModelMape! - 0.1) < 1e-6 && Math.abs(record.runModelBias! + 0.1) < 1e-6, JSON.stringify(record));

    const none = { runs: 0, mape: null, bias: null, runModelRuns: 0, runModelMape: null, runModelBias: null };
    assert.deepEqual((await estimates.quote({ pipeline: 'nf-core/rnaseq', samples: 2 })).trackRecord, none);
    // another organization's quote of the same pipeline sees none of these runs
    assert.deepEqual((await new EstimateService(t.db, orgB, builtinRegistry(), loadConfig({}).estimation).quote({ pipeline: 'nf-core/atacseq', samples: 2 })).trackRecord, none);
  });

  test('runs billed in full: one unresolved drift alert per run and kind, about its newest estimate, however often reconciled', async () => {
    const a = await actuals(orgA);
    const quote = async (runId: string, factor: number) => {
      const [row] = await t.sql<{ id: string }[]>`insert into estimates (org_id, run_id, kind, model_name, model_version, value, currency, created_at)
            values (${orgA}, ${runId}, 'QUOTE', 'price-sheet', '1', ${(Number(a.get(runId)) * factor).toFixed(6)}, 'USD', '2024-02-03T00:00:00Z') returning id`;
      return row.id;
    };
    // newer than every quote above: run 0's is off by 50%, run 1's within 2%
    const drifting = await quote(runs[0], 1.5);
    await quote(runs[1], 1.02);
    const unresolved = async (orgId: string) => [
      ...(await t.sql<{ id: string; run: string; kind: string; severity: string; estimate: string }[]>`
        select id, subject->>'runId' as run, details->>'kind' as kind, severity::text, subject->>'estimateId' as estimate
        from alerts where org_id = ${orgId} and kind = 'ESTIMATE_DRIFT' and state <> 'RESOLVED' order by id`),
    ];
    // the days of both runs, whole (the test above made them billed in full)
    const days = { from: new Date(window().from.getTime() - 24 * HOUR), to: new Date(window().to.getTime() + 24 * HOUR) };
    await reconcile(t.db, orgA, days, SHARE);
    const open = await unresolved(orgA);
    assert.deepEqual(open.map((x) => [x.run, x.kind, x.severity, x.estimate]), [[runs[0], 'QUOTE', 'CRITICAL', drifting]]);
    const again = await reconcile(t.db, orgA, days, SHARE);
    assert.equal(again.driftAlerts, 0);
    assert.deepEqual(await unresolved(orgA), open);
    assert.deepEqual(await unresolved(orgB), []);
  });

  test('bad windows are refused with BAD_USER_INPUT', async () => {
    const code = (e: unknown) => (e as { code?: string }).code === 'BAD_USER_INPUT';
    await assert.rejects(reconcile(t.db, orgA, { from: new Date('2024-02-02'), to: new Date('2024-02-01') }, SHARE), code);
    await assert.rejects(reconcile(t.db, orgA, { from: new Date('2020-01-01'), to: new Date('2024-01-01') }, SHARE), code);
  });
});
