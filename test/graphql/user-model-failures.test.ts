import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { estimates, runs, tasks } from '../../src/db/schema/index.js';
import { requestLiveEstimate } from '../../src/jobs/live-estimate.js';
import { createOrgWithKeys, startTestApp, waitForJob, type TestApp } from '../support/app.js';
import { repoRoot } from '../support/fixtures.js';
import { HISTORY_VM, importTraceHistory } from '../support/history.js';

const LAB = 'lab:tag-lookup-runtime';
const userModule = path.join(repoRoot, 'test', 'fixtures', 'models', 'tag-lookup.mjs');

describe("a lab model (GCT_MODEL_MODULES) that throws at predict time, as the pipeline's champion", () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;

  before(async () => {
    t = await startTestApp({ env: { GCT_MODEL_MODULES: userModule } });
    keys = await createOrgWithKeys(t.db, 'labfail');
    await importTraceHistory(t.db.db, keys.org.id);
    const res = await t.gql<{ retrainModels: string }>(`mutation { retrainModels }`, {}, keys.admin);
    await waitForJob(t, res.data!.retrainModels);
    // whether it wins its holdout or not, it is the champion here: as it would be once it had
    await t.db.db.execute(sql`update model_versions set champion = false
      where org_id = ${keys.org.id} and target = 'runtimeMs' and scope = 'PIPELINE' and champion`);
    const [crowned] = (await t.db.db.execute(sql`update model_versions set champion = true
      where id = (select id from model_versions where org_id = ${keys.org.id} and target = 'runtimeMs' and scope = 'PIPELINE'
                  and model_name = ${LAB} order by trained_at desc limit 1) returning id`)) as unknown as { id: string }[];
    assert.ok(crowned, 'the retrain fitted the lab model');
  });
  after(() => t.close());

  test('estimate answers the price-sheet quote and names the model and its error', async () => {
    const res = await t.gql(`{ estimate(input: {pipeline: "openproblems", samples: 4}) { value basis note model { name } } }`, {}, keys.viewer);
    assert.equal(res.errors, undefined);
    const q = res.data!.estimate;
    assert.equal(q.basis, 'PRICE_SHEET');
    assert.match(q.note, new RegExp(`its champion ${LAB}@1 threw TypeError: .*'trim'`));
    assert.ok(Number(q.value) > 0);
  });

  test('registerRun answers the run with its quote, every time, and leaves one run per call', async () => {
    const registered = () => t.db.db.$count(runs, and(eq(runs.orgId, keys.org.id), eq(runs.status, 'REGISTERED')));
    const before = await registered();
    const quote = await t.gql(`{ estimate(input: {pipeline: "openproblems", samples: 4}) { value } }`, {}, keys.viewer);
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await t.gql(`mutation { registerRun(input: {projectCode: "HIST-openproblems", pipeline: "openproblems", sampleCount: 4}) { id estimatedCost { amount currency } } }`, {}, keys.analyst);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.equal(Number(res.data!.registerRun.estimatedCost.amount), Number(quote.data!.estimate.value));
      ids.push(res.data!.registerRun.id);
    }
    assert.equal(await registered(), before + 2);
    const [stored] = await t.db.db.select().from(estimates).where(and(eq(estimates.orgId, keys.org.id), eq(estimates.runId, ids[0]), eq(estimates.kind, 'QUOTE')));
    assert.equal(stored.features.basis, 'PRICE_SHEET');
  });

  test('the live job stores a figure for a running run of the pipeline', async () => {
    const reg = await t.gql(`mutation { registerRun(input: {projectCode: "HIST-openproblems", pipeline: "openproblems", sampleCount: 4}) { id } }`, {}, keys.analyst);
    const runId = reg.data!.registerRun.id as string;
    await t.db.db.update(runs).set({ status: 'RUNNING' }).where(and(eq(runs.orgId, keys.org.id), eq(runs.id, runId)));
    await t.db.db.insert(tasks).values({
      orgId: keys.org.id, runId, taskId: 1, process: 'load_dataset', status: 'COMPLETED', source: 'trace',
      submittedAt: new Date(), startedAt: new Date(), realtimeMs: 60_000, cpus: 1, vmSize: HISTORY_VM, priority: 'DEDICATED',
    });
    const jobId = await requestLiveEstimate(t.db.sql, keys.org.id, runId);
    await waitForJob(t, jobId!);
    const live = await t.db.db.select().from(estimates).where(and(eq(estimates.orgId, keys.org.id), eq(estimates.runId, runId), eq(estimates.kind, 'LIVE')));
    assert.equal(live.length, 1);
    assert.match((live[0].features as { quoteNote: string }).quoteNote, new RegExp(`${LAB}@1 threw`));
  });
});

describe('lab models whose fitted state Postgres refuses, or that answer with a Promise, in the retrain job', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  const modules = ['unstorable-state.mjs', 'promise-model.mjs', 'throws-nul.mjs'].map((f) => path.join(repoRoot, 'test', 'fixtures', 'models', f));

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    t = await startTestApp({ env: { GCT_MODEL_MODULES: modules.join(',') } });
    keys = await createOrgWithKeys(t.db, 'labstate');
    await importTraceHistory(t.db.db, keys.org.id);
  });
  after(async () => {
    await t.close();
    process.off('unhandledRejection', onUnhandled);
  });

  test('the job completes: each failing fit is reported with its scope and why, and every other model and scope is trained', async () => {
    const res = await t.gql<{ retrainModels: string }>(`mutation { retrainModels }`, {}, keys.admin);
    const jobId = res.data!.retrainModels;
    await waitForJob(t, jobId);
    const [{ output }] = await t.db.sql<{ output: { versions: number; failures: { model: string; target: string; scope: string; process: string; error: string }[] } }[]>`
      select output from pgboss.job where id = ${jobId} union all select output from pgboss.archive where id = ${jobId}`;
    const stored = await t.db.sql<{ model_name: string; target: string; scope: string; process: string }[]>`
      select model_name, target, scope, process from model_versions where org_id = ${keys.org.id}`;
    assert.equal(output.versions, stored.length);
    const scopesOf = (model: string) => stored.filter((v) => v.model_name === model).map((v) => `${v.scope}/${v.process}`).sort();
    const builtin = scopesOf('median-baseline:runtimeMs');
    assert.ok(builtin.includes('PROCESS/load_dataset') && builtin.includes('PIPELINE/'));
    for (const other of ['median-baseline:peakRssBytes', 'linear-regression:runtimeMs', 'process-selector:runtimeMs']) assert.deepEqual(scopesOf(other), builtin, other);

    assert.deepEqual(scopesOf('lab:tagged-median-runtime'), builtin.filter((s) => s !== 'PROCESS/load_dataset' && s !== 'PIPELINE/'));
    const nul = output.failures.filter((f) => f.model === 'lab:tagged-median-runtime');
    assert.deepEqual(nul.map((f) => [f.target, f.scope, f.process]), [['runtimeMs', 'PIPELINE', ''], ['runtimeMs', 'PROCESS', 'load_dataset']]);
    for (const f of nul) assert.match(f.error, /NUL character .* in state\.lastTag\.load_dataset/);

    assert.deepEqual(scopesOf('lab:remote-runtime'), []);
    const remote = output.failures.filter((f) => f.model === 'lab:remote-runtime');
    assert.equal(remote.length, builtin.length);
    for (const f of remote) assert.match(f.error, /fit must be synchronous, returned a Promise/);
    // a thrown message is kept as said, its NUL shown as ␀ so the job's output can be stored
    const strict = output.failures.filter((f) => f.model === 'lab:strict-tags');
    assert.equal(strict.length, scopesOf('median-baseline:peakRssBytes').length);
    for (const f of strict) assert.match(f.error, /^unknown tag ".*\u2400"$/);
    assert.match(t.logs.join(''), /model failed to train; skipped/);
  });

  test('the server is still up and quotes from its champions; no rejection went unhandled', async () => {
    const res = await t.gql(`{ estimate(input: {pipeline: "openproblems", samples: 4}) { value basis } }`, {}, keys.viewer);
    assert.equal(res.errors, undefined);
    assert.equal(res.data!.estimate.basis, 'CHAMPION');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unhandled, []);
  });
});
