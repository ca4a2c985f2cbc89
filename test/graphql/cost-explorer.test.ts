/**
 * The cost explorer on a reconciled bill built from a real trace and a real price: groupings add up
 * to the bill, and each equals SQL written here over the stored allocations.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { prices, projects } from '../../src/db/schema/index.js';
import { parseAzureBatchPrices } from '../../src/ingest/prices/azure-batch-prices.js';
import { importTrace } from '../../src/services/capture/trace-import.js';
import { reconcile } from '../../src/services/reconcile.js';
import { loadCostRows } from '../../src/services/cost-loader.js';
import type { CostRow } from '../../src/ingest/costs/index.js';
import { RecommendationService } from '../../src/services/recommendations.js';
import { rulesFingerprint, rulesOf } from '../../src/services/allocation-rules.js';
import { COST_CENTRE_ROLLUP_ALL_QUEUE } from '../../src/jobs/cost-centre-rollup.js';
import { createOrgWithKeys, startTestApp, type GqlResult, type TestApp } from '../support/app.js';
import { fixturePath } from '../support/fixtures.js';
import { rowHash } from '../support/row-hash.js';
import { traceFixture } from '../ingest/nextflow/helpers.js';
import { scaled } from '../ingest/costs/support/raw-csv.js';
import { parse } from 'csv-parse/sync';

const PRICE_FILE = 'BatchSupportedVmSizeInformation_2024-01-08.json';
const RESOURCE = '/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/lab/providers/Microsoft.Batch/batchAccounts/lab/pools/nf-e8';
const HOUR = 3_600_000;

const BREAKDOWN = `query($filter: BreakdownFilterInput!, $groupBy: [BreakdownGroupByInput!], $granularity: Granularity, $metric: CostMetric, $first: Int, $after: String) {
  costBreakdown(filter: $filter, groupBy: $groupBy, granularity: $granularity, metric: $metric, first: $first, after: $after) {
    edges { node { period keys { dimension tagKey value } actual { amount currency } estimate { amount currency } previousActual { amount }
      runs samples inputBytes costPerRun { amount } costPerSample { amount } costPerGb { amount } } }
    pageInfo { hasNextPage endCursor }
    totals { actual { amount currency } estimate { amount } previousActual { amount } }
  }
}`;

type Node = {
  period: string | null; keys: { dimension: string; value: string | null }[]; actual: { amount: string; currency: string } | null; estimate: { amount: string } | null;
  previousActual: { amount: string } | null; runs: number; samples: number; inputBytes: string | null; costPerRun: { amount: string } | null; costPerSample: { amount: string } | null; costPerGb: { amount: string } | null;
};

/** Decimal strings as exact fixed-point integers (numeric division results are rounded by Postgres: compare those with a tolerance). */
const fixed = (v: string | null | undefined) => (v == null ? 0n : scaled(v.length > 60 ? v.slice(0, 60) : v));

describe('costBreakdown: the explorer over a reconciled bill', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let b: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let runId: string;
  let window: { from: string; to: string };

  async function all(key: string, vars: Record<string, unknown>): Promise<{ nodes: Node[]; totals: { actual: { amount: string; currency: string } | null; estimate: { amount: string } | null; previousActual: { amount: string } | null }[] }> {
    const nodes: Node[] = [];
    let after: string | null = null;
    let totals;
    do {
      const res: GqlResult = await t.gql(BREAKDOWN, { ...vars, first: 7, after }, key);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      nodes.push(...res.data!.costBreakdown.edges.map((e: { node: Node }) => e.node));
      totals = res.data!.costBreakdown.totals;
      after = res.data!.costBreakdown.pageInfo.hasNextPage ? res.data!.costBreakdown.pageInfo.endCursor : null;
    } while (after);
    return { nodes, totals };
  }

  before(async () => {
    t = await startTestApp();
    a = await createOrgWithKeys(t.db, 'explorer-a');
    b = await createOrgWithKeys(t.db, 'explorer-b');
    const parsed = parseAzureBatchPrices(readFileSync(fixturePath('azure-vm-prices', PRICE_FILE), 'utf8'), PRICE_FILE);
    await t.db.db.insert(prices).values(parsed.rows).onConflictDoNothing();
    await t.gql(`mutation($r: String) { declarePool(input: {name: "nf-e8", region: "westeurope", vmSize: "Standard_E8_v3", resourceId: $r}) { id } }`, { r: RESOURCE }, a.admin);
    const report = await importTrace(t.db.db, a.org.id, Readable.from([traceFixture('execution_trace_2022-05-13.txt')]), t.app.config.capture, { timeZone: 'UTC' });
    runId = report.runId;
    const [project] = await t.db.db.insert(projects).values({ orgId: a.org.id, code: 'P-ATAC', name: 'ATAC' }).returning();
    await t.db.sql`update runs set project_id = ${project.id}, input_bytes = 250000000000 where org_id = ${a.org.id} and id = ${runId}`;
    await t.db.sql`
      update tasks set pool = 'nf-e8', cpus = 2, memory_bytes = 4 * 1024::bigint * 1024 * 1024,
        started_at = submitted_at + interval '630 days', completed_at = submitted_at + interval '630 days' + duration_ms * interval '1 millisecond'
      where org_id = ${a.org.id} and run_id = ${runId}`;
    const [span] = await t.db.sql<{ lo: string; hi: string }[]>`
      select date_trunc('day', min(started_at), 'UTC') as lo, date_trunc('day', max(completed_at), 'UTC') + interval '1 day' as hi
      from tasks where org_id = ${a.org.id} and run_id = ${runId}`;
    window = { from: new Date(span.lo).toISOString(), to: new Date(span.hi).toISOString() };
    // three nodes billed every hour (idle left), one storage line no task explains
    await t.db.sql`select cost_records_ensure_partitions(${window.from}, ${window.to})`;
    await t.db.sql`
      insert into cost_records (org_id, provider, resource_id, service_name, resource_group, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
      select ${a.org.id}, 'azure', ${RESOURCE}, 'Azure Batch', 'lab', h, h + interval '1 hour', 3 * p.price_per_hour, 'USD', 3, '1 Hour', 'file', md5('h' || h::text)::uuid
      from generate_series(${window.from}::timestamptz, ${window.to}::timestamptz - interval '1 hour', interval '1 hour') h,
        (select price_per_hour from prices where vm_size = 'Standard_E8_v3' and priority = 'DEDICATED' and effective_from = '2024-01-08') p`;
    await t.db.sql`
      insert into cost_records (org_id, provider, resource_id, service_name, resource_group, charge_period_start, charge_period_end, billed_cost, currency, tags, source, row_hash)
      values (${a.org.id}, 'azure', '/subscriptions/x/resourceGroups/shared/providers/Microsoft.Storage/storageAccounts/refs', 'Storage', 'shared',
              ${window.from}::timestamptz, ${window.from}::timestamptz + interval '1 day', 7.25, 'USD', '{"team": "core"}', 'file', md5('storage-1')::uuid)`;
    await reconcile(t.db.db, a.org.id, { from: new Date(window.from), to: new Date(window.to) }, { idleMode: 'SHARE', driftThreshold: 0.2 });
  });
  after(() => t?.close());

  const billTotal = async () => {
    const [r] = await t.db.sql<{ s: string }[]>`select sum(coalesce(effective_cost, billed_cost))::text as s from cost_records where org_id = ${a.org.id}
      and charge_period_start >= ${window.from}::timestamptz and charge_period_start < ${window.to}::timestamptz`;
    return r.s;
  };

  test('totals equal the bill; groups by process add up to it and equal SQL over the allocations', async () => {
    const { nodes, totals } = await all(a.viewer, { filter: window, groupBy: [{ dimension: 'PROCESS' }] });
    assert.equal(fixed(totals[0].actual!.amount), fixed(await billTotal()));
    assert.equal(nodes.reduce((s, n) => s + fixed(n.actual?.amount), 0n), fixed(await billTotal()));
    const expected = await t.db.sql<{ process: string | null; s: string }[]>`
      select t.process, sum(a.amount)::text as s from allocations a left join tasks t on t.org_id = a.org_id and t.id = a.task_id
      where a.org_id = ${a.org.id} group by 1 order by 1 nulls last`;
    assert.deepEqual(nodes.map((n) => [n.keys[0].value, fixed(n.actual!.amount)]), expected.map((e) => [e.process, fixed(e.s)]));
    assert.ok(nodes.some((n) => n.keys[0].value === null) && nodes.length > 3, 'processes, and idle/unallocated under null');
  });

  test('by project and day: each day and project equals SQL; the run carries its units', async () => {
    const { nodes } = await all(a.viewer, { filter: window, groupBy: [{ dimension: 'PROJECT' }], granularity: 'DAY' });
    const expected = await t.db.sql<{ day: string; project: string | null; s: string }[]>`
      select to_char(a.charge_period_start at time zone 'UTC', 'YYYY-MM-DD') as day, p.code as project, sum(a.amount)::text as s
      from allocations a left join runs r on r.org_id = a.org_id and r.id = a.run_id left join projects p on p.org_id = r.org_id and p.id = r.project_id
      where a.org_id = ${a.org.id} group by 1, 2 order by 1, 2 nulls last`;
    assert.deepEqual(nodes.map((n) => [n.period, n.keys[0].value, fixed(n.actual!.amount)]), expected.map((e) => [e.day, e.project, fixed(e.s)]));

    const byRun = await all(a.viewer, { filter: window, groupBy: [{ dimension: 'RUN' }] });
    const run = byRun.nodes.find((n) => n.keys[0].value === runId)!;
    const [samples] = await t.db.sql<{ n: number }[]>`select count(distinct sample)::int as n from tasks where org_id = ${a.org.id} and run_id = ${runId} and sample is not null`;
    assert.equal(run.runs, 1);
    assert.equal(run.samples, samples.n);
    assert.ok(samples.n > 1);
    assert.equal(run.inputBytes, '250000000000');
    assert.ok(Math.abs(Number(run.costPerSample!.amount) - Number(run.actual!.amount) / samples.n) < 1e-9);
    assert.ok(Math.abs(Number(run.costPerRun!.amount) - Number(run.actual!.amount)) < 1e-12);
    const [actual] = await t.db.sql<{ s: string }[]>`select actual_cost::text as s from runs where org_id = ${a.org.id} and id = ${runId}`;
    assert.equal(fixed(run.actual!.amount), fixed(actual.s), "the run's reconciled actual cost");
  });

  test('estimates side by side; the previous window compares the same keys', async () => {
    await t.db.sql`update runs set estimated_cost = 12.34, started_at = ${window.from}::timestamptz + interval '1 hour' where org_id = ${a.org.id} and id = ${runId}`;
    const both = await all(a.viewer, { filter: window, groupBy: [{ dimension: 'RUN' }], metric: 'BOTH' });
    const run = both.nodes.find((n) => n.keys[0].value === runId)!;
    assert.equal(run.estimate?.amount, '12.34');
    assert.ok(run.actual);
    const estimateOnly = await all(a.viewer, { filter: window, groupBy: [{ dimension: 'PROJECT' }], metric: 'ESTIMATE' });
    assert.deepEqual(estimateOnly.nodes.map((n) => [n.keys[0].value, n.estimate?.amount, n.actual]), [['P-ATAC', '12.34', null]]);
    // the second half of the window, compared with the first half
    const mid = new Date((Date.parse(window.from) + Date.parse(window.to)) / 2);
    const firstHalf = await all(a.viewer, { filter: { from: new Date(2 * mid.getTime() - Date.parse(window.to)).toISOString(), to: mid.toISOString() }, groupBy: [{ dimension: 'SERVICE' }] });
    const secondHalf = await all(a.viewer, { filter: { from: mid.toISOString(), to: window.to }, groupBy: [{ dimension: 'SERVICE' }] });
    for (const n of secondHalf.nodes) {
      const prev = firstHalf.nodes.find((p) => p.keys[0].value === n.keys[0].value);
      assert.equal(fixed(n.previousActual?.amount), fixed(prev?.actual?.amount), `previous of ${n.keys[0].value}`);
    }
  });

  test('unit costs divide the actual by the runs it is of: a run only estimated does not dilute costPerRun or costPerGb', async () => {
    const [project] = await t.db.sql<{ id: string }[]>`select project_id as id from runs where org_id = ${a.org.id} and id = ${runId}`;
    const [pending] = await t.db.sql<{ id: string }[]>`
      insert into runs (org_id, project_id, status, started_at, estimated_cost, currency, input_bytes)
      values (${a.org.id}, ${project.id}, 'RUNNING', ${window.from}::timestamptz + interval '2 hours', 99, 'USD', 750000000000) returning id`;
    try {
      const vars = { filter: window, groupBy: [{ dimension: 'PROJECT' }] };
      const actualOnly = (await all(a.viewer, { ...vars, metric: 'ACTUAL' })).nodes.find((n) => n.keys[0].value === 'P-ATAC')!;
      const both = (await all(a.viewer, { ...vars, metric: 'BOTH' })).nodes.find((n) => n.keys[0].value === 'P-ATAC')!;
      assert.equal(both.runs, 2, 'the group holds both runs');
      assert.equal(both.inputBytes, '1000000000000');
      assert.equal(both.costPerRun!.amount, actualOnly.costPerRun!.amount);
      assert.ok(Math.abs(Number(both.costPerRun!.amount) - Number(both.actual!.amount)) < 1e-9, 'one run has an actual');
      assert.ok(Math.abs(Number(both.costPerGb!.amount) - Number(both.actual!.amount) / 250) < 1e-9, 'per GB of the reconciled run\'s 250 GB');
    } finally {
      await t.db.sql`delete from runs where org_id = ${a.org.id} and id = ${pending.id}`;
    }
  });

  test('the daily rollup and the detail answer alike, for every grouping; reconciliation built the rollup', async () => {
    const [{ days }] = await t.db.sql<{ days: number }[]>`select count(*)::int as days from cost_daily_days where org_id = ${a.org.id}`;
    assert.equal(days, (Date.parse(window.to) - Date.parse(window.from)) / (24 * HOUR), 'every day of the reconciled window is held');
    const groupings: Record<string, unknown>[] = [
      { groupBy: [{ dimension: 'PROJECT' }], granularity: 'DAY' },
      { groupBy: [{ dimension: 'PROCESS' }, { dimension: 'SAMPLE' }] },
      { groupBy: [{ dimension: 'RUN' }, { dimension: 'SERVICE' }], granularity: 'WEEK', metric: 'BOTH' },
      { groupBy: [{ dimension: 'TAG', tagKey: 'team' }, { dimension: 'RESOURCE_GROUP' }], granularity: 'MONTH' },
      { groupBy: [{ dimension: 'COST_CENTRE' }, { dimension: 'PROVIDER' }, { dimension: 'REGION' }, { dimension: 'PIPELINE' }] },
    ];
    // a day longer: part of it (and of its previous window) has no bill, so no held day either
    const shifted = { from: new Date(Date.parse(window.from) - 24 * HOUR).toISOString(), to: window.to };
    const answers = async () => Promise.all(groupings.flatMap((g) => [window, shifted].map((filter) => all(a.viewer, { ...g, filter }))));
    const fromRollup = await answers();
    await t.db.sql`delete from cost_daily_days where org_id = ${a.org.id}`;
    const fromDetail = await answers();
    assert.deepEqual(fromRollup, fromDetail);
    assert.ok(fromDetail.every((r) => r.nodes.length > 0));
    await reconcile(t.db.db, a.org.id, { from: new Date(window.from), to: new Date(window.to) }, { idleMode: 'SHARE', driftThreshold: 0.2 });
    assert.deepEqual(await answers(), fromDetail);
  });

  test('a line not reconciled yet counts whole; cost centres come from allocation rules', async () => {
    // through the loader, as every bill line arrives: it takes the line's day out of the rollup
    const net: CostRow = {
      provider: 'azure', billingAccountId: null, subAccountId: null, subAccountName: null, resourceId: '/subscriptions/x/resourceGroups/net/providers/Microsoft.Network/x',
      resourceName: null, resourceGroup: 'net', resourceType: null, serviceName: 'Bandwidth', serviceCategory: null, skuId: null, meter: null, regionId: null,
      chargeCategory: null, chargePeriodStart: new Date(Date.parse(window.from) + 2 * HOUR), chargePeriodEnd: new Date(Date.parse(window.from) + 3 * HOUR),
      billedCost: '1.5', effectiveCost: null, listCost: null, currency: 'USD', consumedQuantity: null, consumedUnit: null, tags: {},
    };
    await loadCostRows(t.db.sql, a.org.id, (async function* () { yield { row: net, hash: rowHash('net-1') }; })(), { source: 'file', sourceId: randomUUID(), batchId: randomUUID() });
    const { nodes, totals } = await all(a.viewer, { filter: window, groupBy: [{ dimension: 'COST_CENTRE' }] });
    assert.equal(fixed(totals[0].actual!.amount), fixed(await billTotal()));
    const rule = await t.gql(`mutation { createAllocationRule(input: { name: "core", priority: 1, costCentre: "Core", match: { tags: { team: "core" } } }) { id } }`, {}, a.admin);
    assert.equal(rule.errors, undefined, JSON.stringify(rule.errors));
    const after = await all(a.viewer, { filter: window, groupBy: [{ dimension: 'COST_CENTRE' }] });
    const centre = (ns: Node[], v: string | null) => fixed(ns.find((n) => n.keys[0].value === v)?.actual?.amount);
    assert.equal(centre(after.nodes, 'Core'), fixed('7.25'));
    assert.equal(centre(after.nodes, 'Unallocated'), fixed('1.5'), 'the unreconciled network line, whole');
    assert.equal(centre(nodes, 'Unallocated'), fixed('8.75'));
    assert.equal(centre(after.nodes, null), centre(nodes, null), 'pool lines have no cost centre');
  });

  test('cost centres come from the rollup once rebuilt under the current rules, and from the detail until then', async () => {
    const byCentre = async () => (await all(a.viewer, { filter: window, groupBy: [{ dimension: 'COST_CENTRE' }], granularity: 'DAY' })).nodes;
    const rebuiltUnder = async () => {
      const hash = rulesFingerprint(await rulesOf(t.db.db, a.org.id));
      const [{ stale, held }] = await t.db.sql<{ stale: number; held: number }[]>`
        select count(*) filter (where rules_hash is distinct from ${hash})::int as stale, count(*)::int as held from cost_daily_days where org_id = ${a.org.id}`;
      return { stale, held };
    };
    const settled = async () => {
      for (let i = 0; i < 150 && (await rebuiltUnder()).stale > 0; i++) await new Promise((r) => setTimeout(r, 200));
      assert.equal((await rebuiltUnder()).stale, 0, 'the rebuild job rebuilt every held day under the current rules');
    };
    const fromDetail = async () => {
      // the same answer with the rollup out of the way, for comparison
      const listed = await t.db.sql`delete from cost_daily_days where org_id = ${a.org.id} returning *`;
      try {
        return await byCentre();
      } finally {
        if (listed.length) await t.db.sql`insert into cost_daily_days ${t.db.sql(listed as unknown as Record<string, unknown>[])}`;
      }
    };
    // every day held (reconciliation rebuilds under the rules of the time: "Core" is one)
    await reconcile(t.db.db, a.org.id, { from: new Date(window.from), to: new Date(window.to) }, { idleMode: 'SHARE', driftThreshold: 0.2 });
    assert.equal((await rebuiltUnder()).stale, 0);
    const network = await t.gql(`mutation { createAllocationRule(input: { name: "network", priority: 2, costCentre: "Networking", match: { service: "Bandwidth" } }) { id } }`, {}, a.admin);
    assert.equal(network.errors, undefined, JSON.stringify(network.errors));
    // at once: the days built under the old rules are read from the detail
    const now = await byCentre();
    assert.ok(now.some((n) => n.keys[0].value === 'Networking'), 'the new rule applies at once');
    await settled();
    const rolledCentres = async () =>
      (await t.db.sql<{ centres: string[] }[]>`
        select array_agg(distinct cost_centre order by cost_centre) filter (where cost_centre is not null) as centres from cost_daily where org_id = ${a.org.id}`)[0].centres;
    assert.deepEqual(await rolledCentres(), ['Core', 'Networking'], 'the rollup holds the current rules\' cost centres');
    const rolled = await byCentre();
    assert.deepEqual(rolled, now, 'rollup and detail agree after the rebuild');
    assert.deepEqual(await fromDetail(), rolled);
    // removing a rule returns its costs to Unallocated, at once and after the rebuild
    const [{ id }] = await t.db.sql<{ id: string }[]>`select id from allocation_rules where org_id = ${a.org.id} and cost_centre = 'Core'`;
    const removed = await t.gql(`mutation($id: ID!) { deleteAllocationRule(id: $id) }`, { id }, a.admin);
    assert.equal(removed.errors, undefined, JSON.stringify(removed.errors));
    const sum = (ns: Node[], v: string) => ns.filter((n) => n.keys[0].value === v).reduce((acc, n) => acc + fixed(n.actual?.amount), 0n);
    const without = await byCentre();
    assert.equal(sum(without, 'Core'), 0n);
    assert.equal(sum(without, 'Unallocated'), sum(now, 'Unallocated') + sum(now, 'Core'));
    await settled();
    assert.deepEqual(await rolledCentres(), ['Networking', 'Unallocated']);
    assert.deepEqual(await byCentre(), without);
    // days built before the rollup carried cost centres (or under rules edited in SQL): the daily job rebuilds them
    await t.db.sql`update cost_daily_days set rules_hash = null where org_id = ${a.org.id}`;
    assert.ok((await rebuiltUnder()).stale > 0);
    assert.deepEqual(await byCentre(), without, 'read from the detail meanwhile');
    await t.app.boss.send(COST_CENTRE_ROLLUP_ALL_QUEUE, {});
    await settled();
    assert.deepEqual(await byCentre(), without);
  });

  test('a pool whose reconciled bill is mostly idle gets an IDLE_POOL recommendation worth its idle money', async () => {
    const settings = { ...t.app.config.recommendations, windowDays: 30 };
    const now = new Date(window.to);
    await new RecommendationService(t.db.db, a.org.id, 500, settings.fxRates).refresh({ ...settings, idlePoolPercent: 1 }, now);
    const [idle] = await t.db.sql<{ idle: string; total: string }[]>`
      select sum(amount) filter (where kind = 'IDLE')::text as idle, sum(amount)::text as total from allocations where org_id = ${a.org.id} and pool_id is not null`;
    const [rec] = await t.db.sql<{ kind: string; process: string; monthly_saving: string; detail: { idlePercent: number } }[]>`
      select kind, process, monthly_saving::text, detail from recommendations where org_id = ${a.org.id} and kind = 'IDLE_POOL'`;
    assert.equal(rec.process, 'nf-e8');
    assert.ok(Math.abs(Number(rec.monthly_saving) - Number(idle.idle)) < 5e-5, 'a 30-day window: the saving is the idle money itself (to 4 places)');
    assert.ok(Math.abs(rec.detail.idlePercent - (100 * Number(idle.idle)) / Number(idle.total)) < 1e-6);
    // above the threshold: none
    await new RecommendationService(t.db.db, a.org.id, 500, settings.fxRates).refresh({ ...settings, idlePoolPercent: 100 }, now);
    const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from recommendations where org_id = ${a.org.id} and kind = 'IDLE_POOL'`;
    assert.equal(n, 0);
  });

  test('a monthly report per project: CSV sums to the explorer total, the HTML page charts each day; downloads are scoped', async () => {
    const month = window.from.slice(0, 7);
    const gen = await t.gql(`mutation($m: String!) { generateCostReport(project: "P-ATAC", month: $m) { id month csvUrl htmlUrl project { code } } }`, { m: month }, a.analyst);
    assert.equal(gen.errors, undefined, JSON.stringify(gen.errors));
    const report = gen.data!.generateCostReport;
    assert.equal(report.month, month);
    assert.equal(report.project.code, 'P-ATAC');
    const from = `${month}-01T00:00:00Z`;
    const next = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 1)).toISOString();
    const explorer = await all(a.viewer, { filter: { from, to: next, project: ['P-ATAC'] }, groupBy: [], granularity: 'DAY' });
    const get = (url: string, key: string) => fetch(`${t.url}${url}`, { headers: { authorization: `Bearer ${key}` } });
    const csv = parse(await (await get(report.csvUrl, a.viewer)).text(), { columns: true }) as Record<string, string>[];
    assert.ok(csv.length >= 1);
    assert.equal(csv.reduce((sum, r) => sum + fixed(r.actual || null), 0n), fixed(explorer.totals[0].actual!.amount));
    const html = await (await get(report.htmlUrl, a.viewer)).text();
    assert.match(html, /^<!doctype html>/);
    assert.equal((html.match(/<rect /g) ?? []).length, explorer.nodes.length, 'one bar per day with costs');
    const other = await get(report.csvUrl, b.viewer);
    assert.equal(other.status, 404);
    const noId = await get('/reports/download?format=csv', a.viewer);
    assert.equal(noId.status, 400);
    assert.match(await noId.text(), /\bid\b.*required/);
    const list = await t.gql(`{ costReports(project: "P-ATAC") { edges { node { id month } } } }`, {}, a.viewer);
    assert.deepEqual(list.data!.costReports.edges.map((e: { node: { id: string } }) => e.node.id), [report.id]);
    assert.deepEqual((await t.gql(`{ costReports { edges { node { id } } } }`, {}, b.viewer)).data!.costReports.edges, []);
    const again = await t.gql(`mutation($m: String!) { generateCostReport(project: "P-ATAC", month: $m) { id } }`, { m: month }, a.analyst);
    assert.equal(again.data!.generateCostReport.id, report.id, 're-rendering replaces the month, it does not add one');
    const bad = await t.gql(`mutation { generateCostReport(project: "P-ATAC", month: "2024-13") { id } }`, {}, a.analyst);
    assert.equal(bad.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const farMonth = await t.gql(`mutation { generateCostReport(project: "P-ATAC", month: "0001-01") { id } }`, {}, a.analyst);
    assert.deepEqual([farMonth.errors?.[0].extensions?.code, farMonth.errors?.[0].extensions?.field], ['BAD_USER_INPUT', 'month']);
  });

  test('another organization sees nothing; bad input is refused by name', async () => {
    const other = await all(b.viewer, { filter: window, groupBy: [{ dimension: 'PROCESS' }] });
    assert.deepEqual(other.nodes, []);
    assert.deepEqual(other.totals, []);
    const tag = await t.gql(BREAKDOWN, { filter: window, groupBy: [{ dimension: 'TAG' }] }, a.viewer);
    assert.equal(tag.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.match(tag.errors![0].message, /groupBy\.0\.tagKey/);
    const back = await t.gql(BREAKDOWN, { filter: { from: window.to, to: window.from } }, a.viewer);
    assert.equal(back.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
  });
});
