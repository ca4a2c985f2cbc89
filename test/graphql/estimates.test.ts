import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config.js';
import { estimates, runs } from '../../src/db/schema/index.js';
import { chooseChampion } from '../../src/models/promotion.js';
import { createOrgWithKeys, startTestApp, waitForJob, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/db.js';
import { repoRoot } from '../support/fixtures.js';
import { importTraceHistory } from '../support/history.js';

const userModule = path.join(repoRoot, 'test', 'fixtures', 'models', 'weighted-median.mjs');

const ESTIMATE = `query($input: EstimateInput!) { estimate(input: $input) {
  value low high currency basis note intervalMethod priceRegion regionFallback priorityFallback
  model { name version target mape medianApe bias coverage nTrain nTest trainedAt }
  processes { process tasks runtimeMs vmSize value low high model } } }`;

describe('estimates over GraphQL', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let other: Awaited<ReturnType<typeof createOrgWithKeys>>;
  before(async () => {
    t = await startTestApp({ env: { GCT_MODEL_MODULES: userModule } });
    keys = await createOrgWithKeys(t.db, 'est');
    other = await createOrgWithKeys(t.db, 'est-other');
  });
  after(() => t.close());

  test('a user model module is listed like a built-in', async () => {
    const res = await t.gql<{ registeredModels: { name: string; version: string; target: string; builtin: boolean }[] }>(`{ registeredModels { name version target builtin } }`, {}, keys.viewer);
    assert.equal(res.errors, undefined);
    const user = res.data!.registeredModels.find((m) => m.name === 'lab:weighted-median-runtime');
    assert.deepEqual(user, { name: 'lab:weighted-median-runtime', version: '2024.1', target: 'runtimeMs', builtin: false });
    assert.ok(res.data!.registeredModels.some((m) => m.name === 'median-baseline:runtimeMs' && m.builtin));
  });

  test('without history the quote is price-sheet and says so; registerRun stores it as QUOTE and estimatedCost', async () => {
    const res = await t.gql(ESTIMATE, { input: { pipeline: 'nf-core/sarek', revision: '3.4.0', samples: 3, inputBytes: 3e9, region: 'westeurope', priority: 'LOW_PRIORITY' } }, keys.viewer);
    assert.equal(res.errors, undefined);
    const q = res.data!.estimate;
    assert.equal(q.basis, 'PRICE_SHEET');
    assert.equal(q.model.mape, null);
    assert.deepEqual(q.processes, []);
    assert.equal(q.currency, 'USD');

    await t.gql(`mutation { createProject(input: {code: "P-1", name: "p"}) { id } }`, {}, keys.admin);
    const reg = await t.gql(`mutation($i: RegisterRunInput!) { registerRun(input: $i) { id estimatedCost { amount currency } } }`, { i: { projectCode: 'P-1', pipeline: 'nf-core/sarek', revision: '3.4.0', sampleCount: 3, inputBytes: 3e9, region: 'westeurope' } }, keys.analyst);
    assert.equal(reg.errors, undefined);
    const runId = reg.data!.registerRun.id as string;
    const dedicated = await t.gql(ESTIMATE, { input: { pipeline: 'nf-core/sarek', samples: 3, inputBytes: 3e9, region: 'westeurope' } }, keys.viewer);
    assert.equal(Number(reg.data!.registerRun.estimatedCost.amount), Number(dedicated.data!.estimate.value));
    const rows = await t.db.db.select().from(estimates).where(and(eq(estimates.orgId, keys.org.id), eq(estimates.runId, runId)));
    assert.equal(rows.length, 1);
    assert.equal(rows[0].kind, 'QUOTE');
    assert.equal(rows[0].modelName, 'price-sheet:costPerTask');
    assert.equal(rows[0].features.basis, 'PRICE_SHEET');
    assert.equal(rows[0].features.samples, 3);
    assert.equal(Number(rows[0].value), Number(dedicated.data!.estimate.value));
    const [run] = await t.db.db.select().from(runs).where(eq(runs.id, runId));
    assert.equal(run.estimatedCost, rows[0].value);
  });

  test('registerRun with a priority stores the quote at that tier, and the run keeps it', async () => {
    const input = { pipeline: 'nf-core/sarek', samples: 3, inputBytes: 3e9, region: 'westeurope' };
    const low = await t.gql(ESTIMATE, { input: { ...input, priority: 'LOW_PRIORITY' } }, keys.viewer);
    const dedicated = await t.gql(ESTIMATE, { input }, keys.viewer);
    // the no-history quote: hours per sample of a whole default VM, at that tier's price
    const [{ hourly }] = (await t.db.db.execute(sql`select price_per_hour::float8 as hourly from prices where provider = 'azure'
      and vm_size = ${loadConfig({}).estimation.defaultVmSize} and priority = 'LOW_PRIORITY' and region = 'westeurope' order by effective_from desc limit 1`)) as unknown as { hourly: number }[];
    assert.ok(Math.abs(Number(low.data!.estimate.value) - 3 * loadConfig({}).estimation.defaultVmHoursPerSample * hourly) < 1e-6);
    assert.ok(Number(low.data!.estimate.value) < Number(dedicated.data!.estimate.value));

    const reg = await t.gql(`mutation($i: RegisterRunInput!) { registerRun(input: $i) { id priority estimatedCost { amount } } }`,
      { i: { projectCode: 'P-1', pipeline: 'nf-core/sarek', sampleCount: 3, inputBytes: 3e9, region: 'westeurope', priority: 'LOW_PRIORITY' } }, keys.analyst);
    assert.equal(reg.errors, undefined);
    assert.equal(reg.data!.registerRun.priority, 'LOW_PRIORITY');
    assert.equal(Number(reg.data!.registerRun.estimatedCost.amount), Number(low.data!.estimate.value));
    const [quote] = await t.db.db.select().from(estimates).where(and(eq(estimates.orgId, keys.org.id), eq(estimates.runId, reg.data!.registerRun.id)));
    assert.equal(quote.features.priority, 'LOW_PRIORITY');
    const [run] = await t.db.db.select().from(runs).where(eq(runs.id, reg.data!.registerRun.id));
    assert.equal(run.priority, 'LOW_PRIORITY');
  });

  test('bad input names the field', async () => {
    const res = await t.gql(ESTIMATE, { input: { pipeline: 'x', samples: -1 } }, keys.viewer);
    assert.equal(res.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.deepEqual((res.errors![0].extensions!.fields as { field: string }[]).map((f) => f.field), ['samples']);
    const noPrice = await t.gql(ESTIMATE, { input: { pipeline: 'x', samples: 1, region: 'mars-north' } }, keys.viewer);
    // an unknown region falls back to the reference region's prices, and says so
    assert.equal(noPrice.data!.estimate.regionFallback, true);
  });

  test('retrainModels is ADMIN-only, runs the job, and the quote then comes from the champion with its metrics', async () => {
    await importTraceHistory(t.db.db, keys.org.id);
    const denied = await t.gql(`mutation { retrainModels }`, {}, keys.analyst);
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
    const res = await t.gql<{ retrainModels: string }>(`mutation { retrainModels }`, {}, keys.admin);
    assert.equal(res.errors, undefined);
    assert.match(res.data!.retrainModels, /^[0-9a-f-]{36}$/);

    // the job stores versions scope by scope: wait for it to finish, not for the first version
    await waitForJob(t, res.data!.retrainModels);
    type V = { modelName: string; scope: string; process: string; champion: boolean; mape: number | null; bias: number | null; nTest: number; target: string; stateKept: boolean };
    const m = await t.gql<{ models: V[] }>(`{ models(first: 1000) { modelName scope process champion mape bias nTest target stateKept } }`, {}, keys.viewer);
    assert.equal(m.errors, undefined);
    const versions = m.data!.models;
    assert.ok(versions.length > 0, 'the retrain job stored versions');
    assert.ok(versions.every((v) => v.stateKept), 'a new round keeps every state (the retention counts days)');
    assert.ok(versions.some((v) => v.modelName === 'lab:weighted-median-runtime'), 'the user model was trained');
    const pipelineRuntime = versions.filter((v) => v.target === 'runtimeMs' && v.scope === 'PIPELINE');
    const champion = pipelineRuntime.find((v) => v.champion)!;
    assert.ok(champion);
    // the first round of the scope: the promotion rule over this round's holdout scores, no incumbent
    const pick = chooseChampion(pipelineRuntime.map((v) => ({ mape: v.mape ?? NaN, bias: v.bias ?? NaN })), null, { maxBias: loadConfig({}).estimation.maxChampionBias });
    assert.equal(champion, pipelineRuntime[pick!]);

    const q = await t.gql(ESTIMATE, { input: { pipeline: 'openproblems', samples: 4, region: 'westeurope' } }, keys.viewer);
    assert.equal(q.errors, undefined);
    assert.equal(q.data!.estimate.basis, 'CHAMPION');
    assert.equal(q.data!.estimate.model.name, champion.modelName);
    assert.equal(q.data!.estimate.model.mape, champion.mape);
    assert.equal(q.data!.estimate.model.nTest, champion.nTest);
    assert.ok(q.data!.estimate.processes.length > 0);

    // registerRun now stores the champion's quote; a page of runs reads every run's estimates in one query
    const reg = await t.gql(`mutation { registerRun(input: {projectCode: "P-1", pipeline: "openproblems", sampleCount: 4, region: "westeurope"}) { id } }`, {}, keys.analyst);
    assert.equal(reg.errors, undefined);
    const before = t.queries.length;
    const page = await t.gql(`{ runs(first: 50) { edges { node { id estimates(first: 5) { kind modelName value features } } } } }`, {}, keys.viewer);
    assert.equal(page.errors, undefined);
    const nodes = page.data!.runs.edges.map((e: { node: { id: string; estimates: { kind: string; modelName: string; value: string; features: Record<string, unknown> }[] } }) => e.node);
    assert.ok(nodes.length >= 5);
    const mine = nodes.find((n: { id: string }) => n.id === reg.data!.registerRun.id)!;
    assert.equal(mine.estimates[0].kind, 'QUOTE');
    assert.equal(mine.estimates[0].modelName, champion.modelName);
    assert.equal(mine.estimates[0].features.basis, 'CHAMPION');
    // stored to 10 places, answered to 6
    assert.ok(Math.abs(Number(mine.estimates[0].value) - Number(q.data!.estimate.value)) < 1e-6);
    assert.equal(t.queries.slice(before).filter((x) => /row_number\(\) over \(partition by ("estimates"\.)?"run_id"/.test(x)).length, 1);

    // the other organization sees no versions and still gets price-sheet quotes for the same pipeline
    const theirs = await t.gql(`{ models { modelName } }`, {}, other.viewer);
    assert.deepEqual(theirs.data!.models, []);
    const theirQuote = await t.gql(ESTIMATE, { input: { pipeline: 'openproblems', samples: 4 } }, other.viewer);
    assert.equal(theirQuote.data!.estimate.basis, 'PRICE_SHEET');
  });
});

test('a configured model module that is not a valid model stops the boot with a message naming it', async () => {
  const db = await createTestDatabase();
  try {
    await assert.rejects(
      startTestApp({ db, env: { GCT_MODEL_MODULES: path.join(repoRoot, 'test', 'fixtures', 'models', 'missing-predict.mjs') } }),
      /GCT_MODEL_MODULES: ".*missing-predict\.mjs" is not a valid model module: .*missing "predict"/,
    );
  } finally {
    await db.drop();
  }
});
