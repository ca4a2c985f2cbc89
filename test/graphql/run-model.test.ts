import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { tasks } from '../../src/db/schema/index.js';
import { PoolService } from '../../src/services/pools.js';
import { ProjectService } from '../../src/services/projects.js';
import { reconcile } from '../../src/services/reconcile.js';
import { RunService } from '../../src/services/runs.js';
import { readAtacseqBenchmark } from '../support/atacseq-benchmark.js';
import { createOrgWithKeys, startTestApp, waitForJob, type TestApp } from '../support/app.js';

const QUOTE = `query($input: EstimateInput!) { estimate(input: $input) {
  value currency basis trackRecord { runs mape runModelRuns }
  runModel { value low high currency costBasis intervalMethod model { name version target mape medianApe bias coverage nTrain nTest } } } }`;

type RunModel = {
  value: string; low: string; high: string; currency: string; costBasis: string; intervalMethod: string | null;
  model: { name: string; target: string; mape: number; nTrain: number; nTest: number };
};
type Quote = { value: string; basis: string; runModel: RunModel | null; trackRecord: { runs: number; mape: number | null } };

const GB = 1e9;
const HOUR = 3_600_000;
const VM = 'Standard_D4_v3';
const POOL = 'nf-d4';
const DAY = 24 * HOUR;
const PIPELINE = '4dn/atac-seq-aln';
// input sizes of twelve align-only runs, each taking as many hours per GB of FASTQ as one of the real 4DN align-only runs did
const SIZES_GB = [2.4, 3.0, 5.2, 4.1, 6.3, 1.8, 7.5, 2.9, 3.6, 8.2, 5.0, 4.4];
/** Midnight UTC ninety days ago: a reconciliation today finds these runs' bills settled. */
const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 90 * 86_400_000;
/** The runs' bill: what their tasks cost at the price sheet, and a quarter more (idle nodes, overheads). */
const BILL_OVER_TASKS = 1.25;

describe("run-level models: a quote carries what the pipeline's whole runs cost", () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let other: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let hourly: number;
  const aln = readAtacseqBenchmark().runs.filter((r) => r.section.startsWith('Aln'));
  const hoursPerGb = aln.map((r) => r.hours / r.fastqGb!);
  /** Twelve runs, four at each real rate: the median rate is the middle one. */
  const middleHoursPerGb = [...hoursPerGb].sort((a, b) => a - b)[1];
  const runIds: string[] = [];

  /** `n` SUCCEEDED runs of `pipeline`, three hours apart, each two ALIGN tasks on a whole D4 v3 that share its hours. */
  async function finishedRuns(orgId: string, pipeline: string, n: number) {
    const svc = new RunService(t.db.db, orgId, 500);
    for (let i = 0; i < n; i++) {
      const gb = SIZES_GB[i % SIZES_GB.length];
      const halfMs = Math.round((gb * hoursPerGb[i % hoursPerGb.length] * HOUR) / 2);
      const start = T0 + i * 3 * HOUR;
      const r = await svc.register({ projectCode: 'ATAC', pipeline, sampleCount: 1, inputBytes: Math.round(gb * GB), runName: `${pipeline}-${i}` });
      await t.db.db.insert(tasks).values([1, 2].map((taskId) => ({
        orgId, runId: r.id, taskId, process: 'ALIGN', status: 'COMPLETED' as const, source: 'trace' as const,
        submittedAt: new Date(start), startedAt: new Date(start), completedAt: new Date(start + halfMs), realtimeMs: halfMs,
        cpus: 4, vmSize: VM, priority: 'DEDICATED' as const, pool: POOL,
      })));
      await t.db.db.execute(sql`update runs set status = 'SUCCEEDED', submitted_at = ${new Date(start).toISOString()}::timestamptz,
        started_at = ${new Date(start).toISOString()}::timestamptz, completed_at = ${new Date(start + halfMs).toISOString()}::timestamptz
        where org_id = ${orgId} and id = ${r.id}`);
      if (pipeline === PIPELINE) runIds.push(r.id);
    }
  }

  type Promoted = { target: string; model: string; costBasis: string | null };
  /** Retrains through the job; what it promoted at run level. */
  async function retrain(): Promise<Promoted[]> {
    const res = await t.gql<{ retrainModels: string }>(`mutation { retrainModels }`, {}, keys.admin);
    assert.equal(res.errors, undefined);
    const jobId = res.data!.retrainModels;
    await waitForJob(t, jobId);
    const [job] = await t.db.sql<{ output: { promoted: Promoted[] } }[]>`
      select output from pgboss.job where id = ${jobId} union all select output from pgboss.archive where id = ${jobId}`;
    return job.output.promoted.filter((p) => p.target === 'costPerRun');
  }
  let firstPromoted: Promoted[] = [];

  const quote = async (gb: number, key = keys.viewer, pipeline = PIPELINE) => {
    const res = await t.gql<{ estimate: Quote }>(QUOTE, { input: { pipeline, samples: 1, inputBytes: gb * GB } }, key);
    assert.equal(res.errors, undefined);
    return res.data!.estimate;
  };

  before(async () => {
    t = await startTestApp();
    keys = await createOrgWithKeys(t.db, 'runmodel');
    other = await createOrgWithKeys(t.db, 'runmodel-other');
    for (const org of [keys.org.id, other.org.id]) {
      await new ProjectService(t.db.db, org).create({ code: 'ATAC', name: 'atac' });
      await new PoolService(t.db.db, org).declare({ name: POOL, region: 'westeurope', vmSize: VM, priority: 'DEDICATED', resourceId: `/subscriptions/x/resourceGroups/g/providers/Microsoft.Batch/batchAccounts/b/pools/${POOL}` });
    }
    assert.equal(hoursPerGb.length, 3);
    await finishedRuns(keys.org.id, PIPELINE, 12);
    // one run short of what a run-level fit needs
    await finishedRuns(keys.org.id, '4dn/atac-seq-few', 9);
    // the other organization has the same twelve runs: mixed into this one's retrain, they would make it 16 of 24 runs to train on
    await finishedRuns(other.org.id, PIPELINE, 12);
    [{ hourly }] = (await t.db.db.execute(sql`select price_per_hour::float8 as hourly from prices
      where provider = 'azure' and vm_size = ${VM} and priority = 'DEDICATED' order by effective_from desc limit 1`)) as unknown as { hourly: number }[];
    firstPromoted = await retrain();
  });
  after(() => t.close());

  test('retraining fits every run-level model on the pipeline, scored on its newest runs; the per-GB rate wins', async () => {
    type V = { modelName: string; scope: string; champion: boolean; mape: number; nTrain: number; nTest: number; pipeline: string; costBasis: string | null;
      trainedFrom: string; trainedTo: string; heldOutFrom: string };
    const m = await t.gql<{ models: V[] }>(`{ models(filter: {target: "costPerRun"}) { modelName scope champion mape nTrain nTest pipeline costBasis
      trainedFrom trainedTo heldOutFrom } }`, {}, keys.viewer);
    assert.equal(m.errors, undefined);
    const versions = m.data!.models;
    assert.deepEqual([...new Set(versions.map((v) => v.pipeline))], [PIPELINE]);
    assert.deepEqual(versions.map((v) => v.modelName).sort(), [
      'linear-regression:costPerRun', 'median-baseline:costPerRun', 'polynomial-regression:costPerRun', 'robust-regression:costPerRun',
      'simple-regression:costPerRun', 'unit-rate:costPerRun',
    ]);
    for (const v of versions) {
      assert.equal(v.scope, 'PIPELINE');
      assert.equal(v.costBasis, 'PRICE_SHEET');
      assert.deepEqual([v.nTrain, v.nTest], [8, 4]);
      // the twelve runs, three hours apart: learned from all, scored on the newest four
      assert.deepEqual([v.trainedFrom, v.heldOutFrom, v.trainedTo].map((d) => Date.parse(d)), [T0, T0 + 8 * 3 * HOUR, T0 + 11 * 3 * HOUR]);
    }
    const champion = versions.find((v) => v.champion)!;
    assert.equal(champion.modelName, 'unit-rate:costPerRun');
    assert.deepEqual(firstPromoted.map((p) => [p.model, p.costBasis]), [['unit-rate:costPerRun', 'PRICE_SHEET']]);
    const median = versions.find((v) => v.modelName === 'median-baseline:costPerRun')!;
    // measured: 4.1 % against 26.4 %
    assert.ok(champion.mape < 0.1 && median.mape > 0.2, `unit rate ${champion.mape}, median ${median.mape}`);
    const runtime = await t.gql<{ models: V[] }>(`{ models(filter: {target: "runtimeMs", championOnly: true}) { modelName costBasis } }`, {}, keys.viewer);
    assert.ok(runtime.data!.models.length > 0 && runtime.data!.models.every((v) => v.costBasis === null));
  });

  test("the quote shows the run-level figure beside the champion's per-process one: the median cost per GB × the input", async () => {
    const ten = await quote(10);
    assert.equal(ten.basis, 'CHAMPION');
    const rm = ten.runModel!;
    assert.equal(rm.model.name, 'unit-rate:costPerRun');
    assert.equal(rm.model.target, 'costPerRun');
    assert.deepEqual([rm.currency, rm.costBasis, rm.intervalMethod], ['USD', 'PRICE_SHEET', 'in-sample']);
    assert.deepEqual([rm.model.nTrain, rm.model.nTest], [8, 4]);
    // refitted on all twelve runs: each costs its hours on a whole VM
    const expected = 10 * middleHoursPerGb * hourly;
    assert.ok(Math.abs(Number(rm.value) / expected - 1) < 1e-6, `${rm.value} against ${expected}`);
    assert.ok(Number(rm.low) <= Number(rm.value) && Number(rm.value) <= Number(rm.high));
    const two = await quote(2);
    assert.ok(Math.abs((Number(two.runModel!.value) * 5) / Number(rm.value) - 1) < 1e-5);
    // no run of these was reconciled: nothing to compare earlier quotes with
    assert.deepEqual([ten.trackRecord.runs, ten.trackRecord.mape], [0, null]);

    // nine runs are not enough for a run-level fit; another organization, never retrained, has none
    assert.equal((await quote(10, keys.viewer, '4dn/atac-seq-few')).runModel, null);
    assert.equal((await quote(10, other.viewer)).runModel, null);
    const theirs = await t.gql<{ models: unknown[] }>(`{ models(filter: {target: "costPerRun"}) { modelName } }`, {}, other.viewer);
    assert.deepEqual(theirs.data!.models, []);
  });

  test('registerRun stores the run-level figure with its quote (and does not read the track record it would not keep)', async () => {
    const sent = t.queries.length;
    const res = await t.gql(`mutation { registerRun(input: {projectCode: "ATAC", pipeline: "${PIPELINE}", sampleCount: 1, inputBytes: 10000000000}) { id estimates(first: 1) { kind features } } }`, {}, keys.analyst);
    assert.equal(res.errors, undefined);
    const [e] = res.data!.registerRun.estimates as { kind: string; features: { runModel: { value: number; model: string; costBasis: string; currency: string } } }[];
    assert.equal(e.kind, 'QUOTE');
    assert.deepEqual([e.features.runModel.model, e.features.runModel.costBasis, e.features.runModel.currency], ['unit-rate:costPerRun@1', 'PRICE_SHEET', 'USD']);
    assert.ok(Math.abs(e.features.runModel.value / (10 * middleHoursPerGb * hourly) - 1) < 1e-6);
    assert.ok(t.queries.length > sent);
    assert.ok(!t.queries.slice(sent).some((q) => q.includes('estimate_errors')));
  });

  test('once ten runs are billed in full, the run-level models learn from the bill instead', async () => {
    // the pool's bill: two nodes every hour of the runs' days, so every hour of every task is billed
    const [from, to] = [new Date(T0 - 2 * DAY).toISOString(), new Date(T0 + 4 * DAY).toISOString()];
    await t.db.db.execute(sql`select cost_records_ensure_partitions(${from}, ${to})`);
    await t.db.db.execute(sql`
      insert into cost_records (org_id, provider, resource_id, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
      select ${keys.org.id}, 'azure', ${`/subscriptions/x/resourceGroups/g/providers/Microsoft.Batch/batchAccounts/b/pools/${POOL}`}, h, h + interval '1 hour',
        ${2 * hourly}::numeric, 'USD', 2, '1 Hour', 'file', md5(h::text)::uuid
      from generate_series(${from}::timestamptz, ${to}::timestamptz - interval '1 hour', interval '1 hour') h`);
    // a reconciliation over the runs' days, months after them; then the actuals are set to a known multiple of the tasks
    await reconcile(t.db.db, keys.org.id, { from: new Date(T0 - 2 * DAY), to: new Date(T0 + 4 * DAY) }, { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' });
    await t.db.db.execute(sql`
      update runs r set actual_cost = round(s.cost * ${BILL_OVER_TASKS}, 10)
      from (select t.run_id, sum(${hourly}::numeric * t.realtime_ms / 3600000) as cost from tasks t where t.org_id = ${keys.org.id} group by t.run_id) s
      where r.org_id = ${keys.org.id} and r.id = s.run_id and r.id in ${sql`(${sql.join(runIds.map((id) => sql`${id}::uuid`), sql`, `)})`}`);
    // the same model wins, now learning from the bill: a new champion all the same
    assert.deepEqual((await retrain()).map((p) => [p.model, p.costBasis]), [['unit-rate:costPerRun', 'BILL']]);
    const rm = (await quote(10)).runModel!;
    assert.equal(rm.costBasis, 'BILL');
    assert.deepEqual(await retrain(), []);
    assert.ok(Math.abs(Number(rm.value) / (10 * middleHoursPerGb * hourly * BILL_OVER_TASKS) - 1) < 1e-6, rm.value);
  });
});
