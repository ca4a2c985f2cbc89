/**
 * Reconciliation through the running server: a bill import queues `costs.reconcile` and the worker
 * runs it; `reconcileCosts` is for admins; a run's cost breakdown adds up; another organization sees
 * nothing.
 */
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { prices } from '../../src/db/schema/index.js';
import { parseAzureBatchPrices } from '../../src/ingest/prices/azure-batch-prices.js';
import { importTrace } from '../../src/services/capture/trace-import.js';
import { importCostFile } from '../../src/services/cost-import.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';
import { fixturePath } from '../support/fixtures.js';
import { until } from '../support/until.js';
import { traceFixture } from '../ingest/nextflow/helpers.js';

const PRICE_FILE = 'BatchSupportedVmSizeInformation_2024-01-08.json';
const RESOURCE = '/subscriptions/00000000-0000-0000-0000-000000000002/resourceGroups/lab/providers/Microsoft.Batch/batchAccounts/lab/pools/nf-e8';
const HOUR = 3_600_000;

/** Exact sum of decimal strings (at most 20 places) as a normalised string, without floats. */
function decimalSum(values: string[]): string {
  const SCALE = 20;
  let total = 0n;
  for (const v of values) {
    const neg = v.startsWith('-');
    const [int, frac = ''] = v.replace('-', '').split('.');
    const n = BigInt(int + frac.padEnd(SCALE, '0').slice(0, SCALE));
    total += neg ? -n : n;
  }
  return normalise(total, SCALE);
}
function normalise(n: bigint, scale: number): string {
  const neg = n < 0n;
  const digits = (neg ? -n : n).toString().padStart(scale + 1, '0');
  const out = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '');
  return (neg ? '-' : '') + out;
}
const norm = (v: string) => decimalSum([v]);

describe('reconciliation over GraphQL', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let b: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let runId: string;
  let window: { from: string; to: string };

  async function waitForReconciliation(key: string, count: number, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await t.gql(`{ reconciliations(first: 50) { edges { node { id jobId status trigger lines poolLines unallocatedLines runsUpdated error unsettledDays
        totals { currency cost { amount } tasks { amount } idle { amount } unallocated { amount } } } } } }`, {}, key);
      const nodes = (res.data?.reconciliations.edges ?? []).map((e: { node: Record<string, any> }) => e.node);
      if (nodes.filter((n: { status: string }) => n.status !== 'RUNNING').length >= count) return nodes;
      if (Date.now() > deadline) throw new Error(`no finished reconciliation: ${JSON.stringify(res)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  before(async () => {
    t = await startTestApp();
    a = await createOrgWithKeys(t.db, 'gql-reco-a');
    b = await createOrgWithKeys(t.db, 'gql-reco-b');
    const parsed = parseAzureBatchPrices(readFileSync(fixturePath('azure-vm-prices', PRICE_FILE), 'utf8'), PRICE_FILE);
    await t.db.db.insert(prices).values(parsed.rows).onConflictDoNothing();
    const declared = await t.gql(
      `mutation($r: String) { declarePool(input: {name: "nf-e8", region: "westeurope", vmSize: "Standard_E8_v3", resourceId: $r}) { id } }`,
      { r: RESOURCE },
      a.admin,
    );
    assert.ok(declared.data?.declarePool, JSON.stringify(declared));
    // a real trace (samples from its tags), moved to after the price snapshot, on the pool
    const report = await importTrace(t.db.db, a.org.id, Readable.from([traceFixture('execution_trace_2022-05-13.txt')]), t.app.config.capture, { timeZone: 'UTC' });
    runId = report.runId;
    await t.db.sql`
      update tasks set pool = 'nf-e8', cpus = 2, memory_bytes = 4 * 1024::bigint * 1024 * 1024,
        started_at = submitted_at + interval '630 days', completed_at = submitted_at + interval '630 days' + duration_ms * interval '1 millisecond'
      where org_id = ${a.org.id} and run_id = ${runId}`;
    const [span] = await t.db.sql<{ lo: string; hi: string }[]>`
      select date_trunc('hour', min(started_at), 'UTC') as lo, date_trunc('hour', max(completed_at), 'UTC') + interval '1 hour' as hi
      from tasks where org_id = ${a.org.id} and run_id = ${runId}`;
    window = { from: new Date(Date.parse(span.lo) - HOUR).toISOString(), to: new Date(Date.parse(span.hi) + HOUR).toISOString() };
    // three nodes billed every hour of the window, at the snapshot's dedicated price for the size
    await t.db.sql`select cost_records_ensure_partitions(${window.from}, ${window.to})`;
    await t.db.sql`
      insert into cost_records (org_id, provider, resource_id, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
      select ${a.org.id}, 'azure', ${RESOURCE}, h, h + interval '1 hour', 3 * p.price_per_hour, 'USD', 3, '1 Hour', 'file', md5('h' || h::text)::uuid
      from generate_series(${window.from}::timestamptz, ${window.to}::timestamptz - interval '1 hour', interval '1 hour') h,
        (select price_per_hour from prices where vm_size = 'Standard_E8_v3' and priority = 'DEDICATED' and effective_from = '2024-01-08') p`;
  });
  after(() => t?.close());

  test('a bill file import queues costs.reconcile and the worker reconciles its window', async () => {
    await importCostFile(t.db, b.org.id, createReadStream(fixturePath('focus-sample', 'focus_sample.csv')), { fileName: 'focus_sample.csv', format: 'auto' });
    const [job] = await t.db.sql<{ data: { orgId: string; from: string; to: string; trigger: string } }[]>`
      select data from pgboss.job where name = 'costs.reconcile' and data->>'orgId' = ${b.org.id}
      union all select data from pgboss.archive where name = 'costs.reconcile' and data->>'orgId' = ${b.org.id}`;
    assert.equal(job.data.trigger, 'import');
    const [lines] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cost_records where org_id = ${b.org.id}`;
    const [done] = await waitForReconciliation(b.viewer, 1);
    assert.equal(done.status, 'SUCCEEDED', done.error);
    assert.equal(done.trigger, 'import');
    // organization B declared no pools: every line of the file is unallocated
    assert.equal(done.lines, lines.n);
    assert.equal(done.unallocatedLines, lines.n);
    // lines of no pool say nothing of whether a run's bill is final
    assert.deepEqual(done.unsettledDays, []);
    const [bad] = await t.db.sql<{ n: number }[]>`
      select count(*)::int as n from cost_records c
      left join (select cost_row_hash, sum(amount) as s from allocations where org_id = ${b.org.id} group by 1) x on x.cost_row_hash = c.row_hash
      where c.org_id = ${b.org.id} and x.s is distinct from coalesce(c.effective_cost, c.billed_cost)`;
    assert.equal(bad.n, 0);
  });

  test('reconcileCosts: admins only, windows checked, then the run has an actual cost that adds up', async () => {
    const mutation = `mutation($from: DateTime!, $to: DateTime!) { reconcileCosts(from: $from, to: $to) { jobId } }`;
    const forbidden = await t.gql(mutation, window, a.analyst);
    assert.equal(forbidden.errors?.[0].extensions?.code, 'FORBIDDEN');
    const backwards = await t.gql(mutation, { from: window.to, to: window.from }, a.admin);
    assert.equal(backwards.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const budget = await t.gql(`mutation { createBudget(input: { name: "lab", scope: { kind: ORGANIZATION }, period: MONTH, amount: "100000", thresholds: [{ percent: 80, basis: ACTUAL }] }) { id } }`, {}, a.analyst);
    assert.equal(budget.errors, undefined, JSON.stringify(budget.errors));
    const [{ now: requested }] = await t.db.sql<{ now: string }[]>`select now()::text as now`;
    const ok = await t.gql(mutation, window, a.admin);
    assert.match(ok.data?.reconcileCosts.jobId, /^[0-9a-f-]{36}$/);
    const [done] = await waitForReconciliation(a.viewer, 1);
    assert.equal(done.status, 'SUCCEEDED', done.error);
    assert.equal(done.jobId, ok.data?.reconcileCosts.jobId);
    assert.equal(done.runsUpdated, 1);
    const total = done.totals[0];
    assert.equal(norm(decimalSum([total.tasks.amount, total.idle.amount, total.unallocated.amount])), norm(total.cost.amount));
    assert.ok(Number(total.idle.amount) > 0, 'three nodes every hour leave idle');
    // what reads actual costs follows: budgets are evaluated, anomalies checked, models retrained
    // (queued by the job right after the reconciliation is recorded: poll)
    let followers: { name: string }[] = [];
    await until(() => `three follow-up jobs, have ${JSON.stringify(followers)}`, async () => {
      followers = await t.db.sql<{ name: string }[]>`
        select distinct name from (select name, data, created_on from pgboss.job union all select name, data, created_on from pgboss.archive) j
        where data->>'orgId' = ${a.org.id} and created_on > ${requested}::timestamptz
          and name in ('budgets.evaluate', 'anomalies.detect', 'models.retrain') order by name`;
      return followers.length >= 3;
    }, { everyMs: 200 });
    assert.deepEqual(followers.map((f) => f.name), ['anomalies.detect', 'budgets.evaluate', 'models.retrain']);

    const res = await t.gql(
      `query($id: ID!) { run(id: $id) { actualCost { amount currency }
        costBreakdown { currency tasks { amount } idleShare { amount } total { amount }
          samples { name tasks { amount } idleShare { amount } total { amount } }
          processes { name total { amount } } } } }`,
      { id: runId },
      a.viewer,
    );
    const run = res.data!.run;
    assert.equal(run.costBreakdown.length, 1);
    const bd = run.costBreakdown[0];
    assert.equal(norm(bd.total.amount), norm(run.actualCost.amount));
    assert.equal(norm(decimalSum([bd.tasks.amount, bd.idleShare.amount])), norm(bd.total.amount));
    // idle shared (the default): every hour the run used the pool is wholly its own; the hours before and after stay with the pool
    const [used] = await t.db.sql<{ amount: string }[]>`
      select sum(c.billed_cost)::text as amount from cost_records c
      where c.org_id = ${a.org.id} and exists (select 1 from tasks k where k.org_id = c.org_id and k.run_id = ${runId}
        and k.started_at < c.charge_period_end and k.completed_at > c.charge_period_start)`;
    assert.equal(norm(bd.total.amount), norm(used.amount));
    assert.ok(Number(used.amount) < Number(total.cost.amount));
    assert.ok(bd.samples.length > 1 && bd.processes.length > 1);
    assert.equal(decimalSum(bd.samples.map((s: { total: { amount: string } }) => s.total.amount)), norm(bd.total.amount));
    assert.equal(decimalSum(bd.processes.map((s: { total: { amount: string } }) => s.total.amount)), norm(bd.total.amount));
    assert.equal(decimalSum(bd.samples.map((s: { idleShare: { amount: string } }) => s.idleShare.amount)), norm(bd.idleShare.amount));
    // per sample, from the tasks' tags, independently of the service: task allocations summed by tasks.sample
    const bySample = await t.db.sql<{ sample: string | null; amount: string }[]>`
      select k.sample, sum(a.amount)::text as amount from allocations a join tasks k on k.org_id = a.org_id and k.id = a.task_id
      where a.org_id = ${a.org.id} and a.run_id = ${runId} and a.kind = 'TASK' group by k.sample`;
    for (const s of bySample) {
      const got = bd.samples.find((x: { name: string | null }) => x.name === s.sample);
      assert.equal(norm(got.tasks.amount), norm(s.amount), String(s.sample));
    }
  });

  test('estimate errors and accuracy per pipeline and model', async () => {
    const [run] = await t.db.sql<{ actual: string }[]>`select actual_cost::text as actual from runs where org_id = ${a.org.id} and id = ${runId}`;
    await t.db.sql`insert into estimates (org_id, run_id, kind, model_name, model_version, value, currency)
                   values (${a.org.id}, ${runId}, 'QUOTE', 'median-baseline', '3', ${run.actual}::numeric * 0.5, 'USD')`;
    await t.gql(`mutation($from: DateTime!, $to: DateTime!) { reconcileCosts(from: $from, to: $to) { jobId } }`, window, a.admin);
    await waitForReconciliation(a.viewer, 2);
    const res = await t.gql(
      `{ estimateErrors(first: 10) { edges { node { kind modelName modelVersion runId errorRatio estimatedCost { amount } actualCost { amount currency } } } }
         estimateAccuracy { kind modelName modelVersion count mape bias drifted } }`,
      {},
      a.viewer,
    );
    const [e] = res.data!.estimateErrors.edges.map((x: { node: unknown }) => x.node);
    assert.equal(e.runId, runId);
    assert.equal(Number(e.errorRatio), -0.5);
    assert.deepEqual(res.data!.estimateAccuracy, [{ kind: 'QUOTE', modelName: 'median-baseline', modelVersion: '3', count: 1, mape: 0.5, bias: -0.5, drifted: 1 }]);
    // off by 50%, but the windows held the bill's hours, not the run's days whole: its bill may be partial, so no drift alert
    const [r] = await t.db.sql<{ billed: boolean }[]>`select billed_in_full as billed from runs where org_id = ${a.org.id} and id = ${runId}`;
    assert.equal(r.billed, false);
    const drift = await t.gql(`{ alerts(kinds: [ESTIMATE_DRIFT]) { edges { node { id } } } }`, {}, a.viewer);
    assert.deepEqual(drift.data!.alerts.edges, []);
  });

  test("another organization sees none of it", async () => {
    const res = await t.gql(`query($id: ID!) { run(id: $id) { id } }`, { id: runId }, b.viewer);
    assert.equal(res.errors?.[0].extensions?.code, 'NOT_FOUND');
    const lists = await t.gql(`{ estimateErrors(first: 10) { edges { node { id } } } estimateAccuracy { count }
      reconciliations(first: 50) { edges { node { trigger } } } }`, {}, b.viewer);
    assert.deepEqual(lists.data!.estimateErrors.edges, []);
    assert.deepEqual(lists.data!.estimateAccuracy, []);
    assert.deepEqual(lists.data!.reconciliations.edges.map((e: { node: { trigger: string } }) => e.node.trigger), ['import']);
    const filtered = await t.gql(`query($id: ID!) { estimateErrors(first: 10, filter: {runId: $id}) { edges { node { id } } } }`, { id: runId }, b.viewer);
    assert.deepEqual(filtered.data!.estimateErrors.edges, []);
  });
});
