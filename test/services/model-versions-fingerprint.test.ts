/**
 * The retrain's fingerprint skip: an unchanged history is not read again, and every change a round
 * could learn from (a task edited in place, deleted or moved, a run moved to another pipeline, a
 * price, a setting, a model's version, a new model) is read and fitted again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { loadConfig, type EstimationSettings } from '../../src/config.js';
import { medianBaseline, type EstimationModel } from '../../src/models/index.js';
import { createOrganization } from '../../src/services/organizations.js';
import { PoolService } from '../../src/services/pools.js';
import { pipelineFingerprints } from '../../src/services/history-fingerprint.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { modelServiceWith } from '../support/history.js';

const settings = loadConfig({}).estimation;
const runtime = medianBaseline({ target: 'runtimeMs' }) as EstimationModel<unknown>;
const peak = medianBaseline({ target: 'peakRssBytes' }) as EstimationModel<unknown>;
const perRun = medianBaseline({ target: 'costPerRun' }) as EstimationModel<unknown>;
const MODELS = [runtime, peak, perRun];
/** Per pipeline: runtime and peak memory on the pipeline and its 3 processes, and the priced run cost. */
const SCOPES_PER_PIPELINE = 2 * (1 + 3) + 1;

describe('retrain fingerprint skip', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  /**
   * An organization with two pipelines of 12 SUCCEEDED runs each (enough for a priced run-level scope),
   * 60 priced tasks a run over 3 processes, retrained until nothing is left to fit.
   */
  async function steadyOrg(slug: string, models = MODELS, s: EstimationSettings = settings) {
    const orgId = (await createOrganization(db.db, { name: slug, slug })).organization.id;
    await new PoolService(db.db, orgId).declare({ name: 'nf-d4', region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED' });
    await db.db.execute(sql`insert into pipelines (org_id, name) values (${orgId}, 'pipe-a'), (${orgId}, 'pipe-b')`);
    await db.db.execute(sql`insert into runs (org_id, pipeline_id, status, submitted_at, started_at, sample_count, input_bytes, region)
      select ${orgId}, pl.id, 'SUCCEEDED', ts, ts, 2 + r % 3, 1000000000::bigint * (1 + r % 5), 'westeurope'
      from pipelines pl cross join generate_series(0, 11) r
      cross join lateral (select timestamptz '2025-01-01' + r * interval '1 day' + (pl.name = 'pipe-b')::int * interval '1 hour' as ts) x
      where pl.org_id = ${orgId}`);
    await db.db.execute(sql`insert into tasks (org_id, run_id, task_id, source, status, process, tag, sample, cpus, memory_bytes,
             submitted_at, started_at, completed_at, realtime_ms, peak_rss, pool, vm_size, priority)
      select r.org_id, r.id, i, 'trace', 'COMPLETED', 'P' || (i % 3), 'S' || (i % 4), 'S' || (i % 4), 1 + i % 2, 2147483648,
             r.submitted_at + i * interval '1 minute', r.submitted_at + i * interval '1 minute',
             r.submitted_at + i * interval '1 minute' + ms * interval '1 millisecond', ms, (100 + (i * 37) % 50) * 1048576::bigint,
             'nf-d4', 'Standard_D4_v3', 'DEDICATED'
      from runs r cross join generate_series(1, 60) i
      cross join lateral (select (60000 + (i % 3) * 30000 + (i * 7919 + extract(epoch from r.submitted_at)::int) % 9000)::bigint as ms) m
      where r.org_id = ${orgId}`);
    const models_ = modelServiceWith(db.db, orgId, models, s);
    const first = await models_.retrain();
    assert.ok(first.versions > 0 && first.failures.length === 0, JSON.stringify(first.failures));
    return { orgId, service: models_ };
  }

  const retrain = (orgId: string, models = MODELS, s: EstimationSettings = settings) => modelServiceWith(db.db, orgId, models, s).retrain();

  test('an unchanged history is not read again: only the fingerprints, and every scope counted unchanged', async () => {
    const { orgId, service } = await steadyOrg('fp-unchanged');
    const again = await service.retrain();
    assert.deepEqual(again.historyRead, { pipelines: 0, tasks: 0, pricedPipelines: 0 });
    assert.equal(again.versions, 0);
    assert.equal(again.unchanged, 2 * SCOPES_PER_PIPELINE);
    assert.equal(again.pipelines, 2);
    const one = await service.retrain({ pipeline: 'pipe-a' });
    assert.deepEqual([one.historyRead, one.unchanged, one.versions], [{ pipelines: 0, tasks: 0, pricedPipelines: 0 }, SCOPES_PER_PIPELINE, 0]);
    // a column no round reads changes nothing either
    await db.db.execute(sql`update tasks set hostname = 'node-7' where org_id = ${orgId}`);
    assert.deepEqual((await retrain(orgId)).historyRead, { pipelines: 0, tasks: 0, pricedPipelines: 0 });
  });

  /** After `change`, the next round reads `pipelines` and fits again. */
  async function changedReads(slug: string, change: (orgId: string) => Promise<unknown>, pipelines: number, opts: { models?: EstimationModel<unknown>[]; settings?: EstimationSettings } = {}) {
    const { orgId } = await steadyOrg(slug);
    await change(orgId);
    const report = await retrain(orgId, opts.models ?? MODELS, opts.settings ?? settings);
    assert.equal(report.historyRead.pipelines, pipelines, `pipelines read: ${JSON.stringify(report.historyRead)}`);
    assert.ok(report.versions > 0, `versions fitted again: ${report.versions}, unchanged ${report.unchanged}`);
    // and the round after it has nothing left to read
    assert.deepEqual((await retrain(orgId, opts.models ?? MODELS, opts.settings ?? settings)).historyRead, { pipelines: 0, tasks: 0, pricedPipelines: 0 });
    return report;
  }

  const pipeA = (orgId: string) => sql`(select r.id from runs r join pipelines pl on pl.id = r.pipeline_id where r.org_id = ${orgId} and pl.name = 'pipe-a')`;

  test('a task edited in place (its updated_at untouched) is read again', async () => {
    const report = await changedReads('fp-edit', (orgId) => db.db.execute(sql`update tasks set realtime_ms = realtime_ms * 3 where org_id = ${orgId} and task_id = 5 and run_id in ${pipeA(orgId)}`), 1);
    assert.equal(report.historyRead.pricedPipelines, 1, 'its run costs changed too');
  });

  test('two tasks exchanging a value change the fingerprint (a plain sum of row hashes missed most such swaps)', async () => {
    const { orgId } = await steadyOrg('fp-swap');
    const key = async () => (await pipelineFingerprints(db.db, orgId, { fxRates: settings.fxRates }, 'pipe-a')).get('pipe-a')!.key;
    const before = await key();
    const [run] = (await db.db.execute(sql`select id from ${pipeA(orgId)} x order by id limit 1`)) as unknown as { id: string }[];
    let missed = 0;
    // tasks i and i + 3 share a process; their runtimes and peak memory differ
    for (let i = 1; i <= 20; i++) {
      for (const column of ['realtime_ms', 'peak_rss']) {
        const swap = () => db.db.execute(sql`update tasks t set ${sql.raw(column)} = o.${sql.raw(column)} from tasks o
          where t.org_id = ${orgId} and o.org_id = ${orgId} and t.run_id = ${run.id} and o.run_id = ${run.id}
            and ((t.task_id = ${i} and o.task_id = ${i + 3}) or (t.task_id = ${i + 3} and o.task_id = ${i}))`);
        await swap();
        if ((await key()) === before) missed += 1;
        await swap();
      }
    }
    assert.equal(await key(), before, 'swapped back: the fingerprint is the one it was');
    assert.equal(missed, 0, `${missed} of 40 swaps left the fingerprint unchanged`);
  });

  test('a deleted task is read again', async () => {
    await changedReads('fp-delete', (orgId) => db.db.execute(sql`delete from tasks where org_id = ${orgId} and task_id = 7 and run_id in ${pipeA(orgId)}`), 1);
  });

  test('a task moved to another run of the pipeline is read again', async () => {
    await changedReads(
      'fp-move-task',
      (orgId) =>
        db.db.execute(sql`update tasks set run_id = (select id from runs where org_id = ${orgId} and id in ${pipeA(orgId)} order by submitted_at limit 1), task_id = 1000
                          where org_id = ${orgId} and task_id = 9 and run_id = (select id from runs where org_id = ${orgId} and id in ${pipeA(orgId)} order by submitted_at desc limit 1)`),
      1,
    );
  });

  test('a run moved to another pipeline: both are read again', async () => {
    await changedReads(
      'fp-move-run',
      (orgId) =>
        db.db.execute(sql`update runs set pipeline_id = (select id from pipelines where org_id = ${orgId} and name = 'pipe-b')
                          where org_id = ${orgId} and id = (select id from runs where org_id = ${orgId} and id in ${pipeA(orgId)} order by submitted_at desc limit 1)`),
      2,
    );
  });

  test("a run's sample count is read again", async () => {
    await changedReads('fp-run-samples', (orgId) => db.db.execute(sql`update runs set sample_count = 40 where org_id = ${orgId} and id in (select id from ${pipeA(orgId)} x limit 1)`), 1);
  });

  test('a new price of the VM size re-prices the runs', async () => {
    const { orgId } = await steadyOrg('fp-price');
    await db.db.execute(sql`insert into prices (provider, region, vm_size, priority, vcpus, memory_gib, price_per_hour, currency, effective_from, source)
      values ('azure', 'westeurope', 'Standard_D4_v3', 'DEDICATED', 4, 16, 9.99, 'USD', '2025-01-05', 'test')`);
    try {
      const report = await retrain(orgId);
      assert.equal(report.historyRead.pricedPipelines, 2);
      assert.ok(report.versions > 0);
    } finally {
      await db.db.execute(sql`delete from prices where source = 'test'`);
    }
  });

  test('a pool moved to another region re-prices the runs', async () => {
    const { orgId } = await steadyOrg('fp-pool');
    await db.db.execute(sql`update pools set region = 'eastus' where org_id = ${orgId}`);
    assert.equal((await retrain(orgId)).historyRead.pricedPipelines, 2);
  });

  test('another holdout fraction is read and fitted again', async () => {
    await changedReads('fp-settings', async () => undefined, 2, { settings: { ...settings, holdoutFraction: 0.4 } });
  });

  test("a new version of a model's code is read and fitted again, though it is no champion", async () => {
    // far off every runtime: never champion, so only its own newest version says it is out of date
    const terrible: EstimationModel<unknown> = { name: 'test:terrible', version: '1', target: 'runtimeMs', fit: () => ({}), predict: () => ({ value: 1e9, low: 1e9, high: 1e9 }) };
    const { orgId } = await steadyOrg('fp-model-version', [...MODELS, terrible]);
    assert.deepEqual((await retrain(orgId, [...MODELS, terrible])).historyRead, { pipelines: 0, tasks: 0, pricedPipelines: 0 });
    const report = await retrain(orgId, [...MODELS, { ...terrible, version: '2' }]);
    assert.equal(report.historyRead.pipelines, 2);
    assert.ok(report.versions > 0);
  });

  test('a newly registered model is read and fitted', async () => {
    const report = await changedReads('fp-new-model', async () => undefined, 2, { models: [...MODELS, medianBaseline({ target: 'runtimeMs', name: 'test:second' }) as EstimationModel<unknown>] });
    assert.equal(report.historyRead.pricedPipelines, 0, 'run-level scopes are unchanged');
  });

  test('a costPerTask learner reads the history every round (its samples depend on each task’s price)', async () => {
    const perTask = medianBaseline({ target: 'costPerTask' }) as EstimationModel<unknown>;
    const { orgId } = await steadyOrg('fp-cost-per-task', [...MODELS, perTask]);
    const again = await retrain(orgId, [...MODELS, perTask]);
    assert.equal(again.historyRead.pipelines, 2);
    assert.equal(again.versions, 0);
  });

  test('a scope whose model failed is fitted again each round, its failure reported', async () => {
    const flaky: EstimationModel<unknown> = {
      ...medianBaseline({ target: 'runtimeMs', name: 'test:fails-on-p1' }),
      fit(samples) {
        if (samples.every((s) => s.features.process === 'P1')) throw new Error('no P1');
        return runtime.fit(samples);
      },
    } as EstimationModel<unknown>;
    const { orgId } = await (async () => {
      const orgId = (await steadyOrg('fp-failing')).orgId;
      return { orgId };
    })();
    const first = await retrain(orgId, [...MODELS, flaky]);
    assert.ok(first.failures.length > 0);
    const again = await retrain(orgId, [...MODELS, flaky]);
    assert.ok(again.failures.length > 0, 'the failure is still reported');
    assert.equal(again.historyRead.pipelines, 2);
  });
});
