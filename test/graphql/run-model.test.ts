import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { ProjectService } from '../../src/services/projects.js';
import { RunService } from '../../src/services/runs.js';
import { readAtacseqBenchmark } from '../support/atacseq-benchmark.js';
import { createOrgWithKeys, startTestApp, waitForJob, type TestApp } from '../support/app.js';

const QUOTE = `query($input: EstimateInput!) { estimate(input: $input) {
  value currency basis trackRecord { runs mape runModelRuns }
  runModel { value low high model { name version target mape medianApe bias coverage nTrain nTest } } } }`;

type RunModel = { value: string; low: string; high: string; model: { name: string; target: string; mape: number; nTrain: number; nTest: number } };

const GB = 1e9;
// input sizes of twelve align-only runs; each run costs what one of the real 4DN align-only runs cost per GB of FASTQ
const SIZES_GB = [2.4, 3.0, 5.2, 4.1, 6.3, 1.8, 7.5, 2.9, 3.6, 8.2, 5.0, 4.4];
const T0 = Date.parse('2026-09-01T00:00:00Z');

describe('run-level models: a quote carries what the pipeline\'s whole runs cost', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let other: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const aln = readAtacseqBenchmark().runs.filter((r) => r.section.startsWith('Aln'));
  const rates = aln.map((r) => r.costUsd / r.fastqGb!);
  const sortedRates = [...rates].sort((a, b) => a - b);

  /** `n` reconciled SUCCEEDED runs of `pipeline`, one a day, sized and priced as above. */
  async function reconciledRuns(orgId: string, pipeline: string, n: number) {
    const svc = new RunService(t.db.db, orgId, 500);
    for (let i = 0; i < n; i++) {
      const gb = SIZES_GB[i % SIZES_GB.length];
      const r = await svc.register({ projectCode: 'ATAC', pipeline, sampleCount: 1, inputBytes: Math.round(gb * GB), runName: `${pipeline}-${i}` });
      const cost = (gb * rates[i % rates.length]).toFixed(10);
      await t.db.db.execute(sql`update runs set status = 'SUCCEEDED', actual_cost = ${cost}::numeric,
        submitted_at = ${new Date(T0 + i * 86_400_000).toISOString()}::timestamptz where org_id = ${orgId} and id = ${r.id}`);
    }
  }

  before(async () => {
    t = await startTestApp();
    keys = await createOrgWithKeys(t.db, 'runmodel');
    other = await createOrgWithKeys(t.db, 'runmodel-other');
    for (const org of [keys.org.id, other.org.id]) await new ProjectService(t.db.db, org).create({ code: 'ATAC', name: 'atac' });
    assert.equal(rates.length, 3);
    await reconciledRuns(keys.org.id, '4dn/atac-seq-aln', 12);
    // one run short of what a run-level fit needs
    await reconciledRuns(keys.org.id, '4dn/atac-seq-few', 9);
    const res = await t.gql<{ retrainModels: string }>(`mutation { retrainModels }`, {}, keys.admin);
    assert.equal(res.errors, undefined);
    await waitForJob(t, res.data!.retrainModels);
  });
  after(() => t.close());

  test('retraining fits every run-level model on the pipeline, scored on its newest runs; the per-GB rate wins', async () => {
    type V = { modelName: string; scope: string; champion: boolean; mape: number; nTrain: number; nTest: number; pipeline: string };
    const m = await t.gql<{ models: V[] }>(`{ models(filter: {target: "costPerRun"}) { modelName scope champion mape nTrain nTest pipeline } }`, {}, keys.viewer);
    assert.equal(m.errors, undefined);
    const versions = m.data!.models;
    assert.deepEqual(versions.map((v) => v.pipeline).filter((p, i, a) => a.indexOf(p) === i), ['4dn/atac-seq-aln']);
    assert.deepEqual(versions.map((v) => v.modelName).sort(), ['linear-regression:costPerRun', 'median-baseline:costPerRun', 'unit-rate:costPerRun']);
    for (const v of versions) {
      assert.equal(v.scope, 'PIPELINE');
      assert.deepEqual([v.nTrain, v.nTest], [8, 4]);
    }
    const champion = versions.find((v) => v.champion)!;
    assert.equal(champion.modelName, 'unit-rate:costPerRun');
    const median = versions.find((v) => v.modelName === 'median-baseline:costPerRun')!;
    // measured: 3.8 % against 26.4 %
    assert.ok(champion.mape < 0.1 && median.mape > 0.2, `unit rate ${champion.mape}, median ${median.mape}`);
  });

  test('the quote shows the run-level figure beside its own: the median per-GB rate × the input, with the champion\'s metrics', async () => {
    const quote = async (gb: number, key = keys.viewer, pipeline = '4dn/atac-seq-aln') => {
      const res = await t.gql<{ estimate: { value: string; basis: string; runModel: RunModel | null; trackRecord: { runs: number; mape: number | null } } }>(QUOTE, { input: { pipeline, samples: 1, inputBytes: gb * GB } }, key);
      assert.equal(res.errors, undefined);
      return res.data!.estimate;
    };
    const ten = await quote(10);
    // no task history: the per-process figure is the price-sheet rule, the run model knows better
    assert.equal(ten.basis, 'PRICE_SHEET');
    // these runs' actual costs were set without quotes: no track record yet (reconcile.test.ts builds one)
    assert.deepEqual([ten.trackRecord.runs, ten.trackRecord.mape], [0, null]);
    const rm = ten.runModel!;
    assert.equal(rm.model.name, 'unit-rate:costPerRun');
    assert.equal(rm.model.target, 'costPerRun');
    assert.deepEqual([rm.model.nTrain, rm.model.nTest], [8, 4]);
    // refitted on all twelve runs: four at each real rate, so the median is the middle rate
    assert.ok(Math.abs(Number(rm.value) - 10 * sortedRates[1]) < 1e-6, `${rm.value} against ${10 * sortedRates[1]}`);
    assert.ok(Number(rm.low) <= Number(rm.value) && Number(rm.value) <= Number(rm.high));
    const two = await quote(2);
    assert.ok(Math.abs(Number(two.runModel!.value) * 5 - Number(rm.value)) < 1e-5);

    // nine runs are not enough for a run-level fit, and another organization sees none of these
    assert.equal((await quote(10, keys.viewer, '4dn/atac-seq-few')).runModel, null);
    assert.equal((await quote(10, other.viewer)).runModel, null);
    const theirs = await t.gql<{ models: unknown[] }>(`{ models(filter: {target: "costPerRun"}) { modelName } }`, {}, other.viewer);
    assert.deepEqual(theirs.data!.models, []);
  });

  test('registerRun stores the run-level figure with its quote', async () => {
    const res = await t.gql(`mutation { registerRun(input: {projectCode: "ATAC", pipeline: "4dn/atac-seq-aln", sampleCount: 1, inputBytes: 10000000000}) { id estimates(first: 1) { kind features } } }`, {}, keys.analyst);
    assert.equal(res.errors, undefined);
    const [e] = res.data!.registerRun.estimates as { kind: string; features: { runModel: { value: number; model: string } } }[];
    assert.equal(e.kind, 'QUOTE');
    assert.equal(e.features.runModel.model, 'unit-rate:costPerRun@1');
    assert.ok(Math.abs(e.features.runModel.value - 10 * sortedRates[1]) < 1e-6);
  });
});
