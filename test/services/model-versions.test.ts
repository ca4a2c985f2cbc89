import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { loadModelModule, loadModelRegistry, ModelModuleError } from '../../src/models/load-modules.js';
import { medianBaseline, ModelRegistry, type EstimationModel } from '../../src/models/index.js';
import { ModelService } from '../../src/services/model-versions.js';
import { EstimateService } from '../../src/services/estimates.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { and, eq } from 'drizzle-orm';
import { estimates } from '../../src/db/schema/index.js';
import { RunService } from '../../src/services/runs.js';
import { repoRoot } from '../support/fixtures.js';
import { importTraceHistory, modelServiceWith } from '../support/history.js';

const fixtureModel = (f: string) => path.join(repoRoot, 'test', 'fixtures', 'models', f);
const settings = loadConfig({}).estimation;

/** Predicts a runtime of ~11.6 days for everything: loses any fair comparison. */
const terrible: EstimationModel<Record<string, never>> = {
  name: 'test:terrible', version: '1', target: 'runtimeMs',
  fit: () => ({}),
  predict: () => ({ value: 1e9, low: 1e9, high: 1e9 }),
};

type MeanState = { byProcess: Record<string, number>; all: number };
/** Per-process arithmetic mean: matches totals, not typical tasks. */
const meanModel = (name: string): EstimationModel<MeanState> => ({
  name, version: '1', target: 'runtimeMs',
  fit: (samples) => {
    const sums = new Map<string, [number, number]>();
    for (const s of samples) {
      const [sum, n] = sums.get(s.features.process) ?? [0, 0];
      sums.set(s.features.process, [sum + s.value, n + 1]);
    }
    const all = samples.reduce((a, s) => a + s.value, 0) / Math.max(samples.length, 1);
    return { byProcess: Object.fromEntries([...sums].map(([p, [sum, n]]) => [p, sum / n])), all };
  },
  predict: (f, st) => {
    const v = Object.hasOwn(st.byProcess, f.process) ? st.byProcess[f.process] : st.all;
    return { value: v, low: v / 2, high: v * 2 };
  },
});
const scale = (p: { value: number; low: number; high: number }, k: number) => ({ value: p.value * k, low: p.low * k, high: p.high * k });

const snapshot = JSON.parse(readFileSync(path.join(repoRoot, 'data', 'prices', 'azure', 'BatchSupportedVmSizeInformation_AZURECLOUD_2025-03-04.json'), 'utf8')) as { VmSize: string; LowPriority: boolean; PricePerHour: number; VCpusAvailable: number }[];

describe('user model modules', () => {
  test('a module named by path is loaded beside the built-ins and validated', async () => {
    const registry = await loadModelRegistry([fixtureModel('weighted-median.mjs')]);
    const names = registry.list().map((m) => m.name);
    assert.ok(names.includes('lab:weighted-median-runtime'));
    assert.ok(names.includes('median-baseline:runtimeMs'));
    // relative to the working directory, as a config value usually is
    const rel = path.relative(process.cwd(), fixtureModel('weighted-median.mjs'));
    const models = await loadModelModule(rel.startsWith('.') ? rel : `./${rel}`);
    assert.equal(models[0].version, '2024.1');
  });

  test('an invalid module stops loading with a message naming the module and each bad field', async () => {
    await assert.rejects(loadModelRegistry([fixtureModel('missing-predict.mjs')]), (err: Error) => {
      assert.ok(err instanceof ModelModuleError);
      assert.match(err.message, /GCT_MODEL_MODULES/);
      assert.match(err.message, /missing-predict\.mjs/);
      assert.match(err.message, /"predict"/);
      assert.match(err.message, /"target" must be one of/);
      return true;
    });
    await assert.rejects(loadModelRegistry([fixtureModel('no-such-file.mjs')]), /no-such-file\.mjs" could not be loaded/);
    await assert.rejects(loadModelRegistry(['gct-no-such-package-xyz']), /gct-no-such-package-xyz" could not be loaded/);
    // the same module twice: the second registration clashes by name
    await assert.rejects(loadModelRegistry([fixtureModel('weighted-median.mjs'), fixtureModel('weighted-median.mjs')]), /already registered/);
    // an async fit would be used as if it answered at once: refused at the boot, not at the first retrain
    await assert.rejects(loadModelRegistry([fixtureModel('async-fit.mjs')]), /async-fit\.mjs" is not a valid model module: model "lab:async" .*"fit" must be synchronous/);
  });
});

describe('retraining and champions', () => {
  let db: TestDatabase;
  let orgId: string;
  let otherOrgId: string;
  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'Learners', slug: 'learners' })).organization.id;
    otherOrgId = (await createOrganization(db.db, { name: 'Other', slug: 'other' })).organization.id;
    await importTraceHistory(db.db, orgId);
  });
  after(() => db.drop());

  const service = (models: EstimationModel[], org = orgId, rule = settings) => modelServiceWith(db.db, org, models, rule);
  // the MAPE-only rule, for the tests about MAPE; `terrible` misses every total by far
  const noBiasBound = { ...settings, maxChampionBias: Infinity };
  const champions = async (s: ModelService) => (await s.list({ target: 'runtimeMs', championOnly: true }, 1000)).filter((v) => v.scope === 'PIPELINE');

  test('a quote for a pipeline with no trained model answers from price-sheet and says so', async () => {
    const q = await new EstimateService(db.db, orgId, new ModelRegistry(), settings).quote({ pipeline: 'nf-core/never-run', samples: 6, region: 'eastus', priority: 'DEDICATED' });
    const vm = snapshot.find((e) => e.VmSize === settings.defaultVmSize && !e.LowPriority)!;
    assert.equal(q.basis, 'PRICE_SHEET');
    assert.equal(q.model.name, 'price-sheet:costPerTask');
    assert.equal(q.model.mape, null);
    assert.match(q.note, /no trained model/);
    assert.ok(Math.abs(q.value - 6 * settings.defaultVmHoursPerSample * vm.PricePerHour) < 1e-9);
    assert.ok(q.low < q.value && q.value < q.high);
    assert.equal(q.intervalMethod, 'default');
    assert.equal(q.regionFallback, true);
    assert.equal(q.priceRegion, 'westeurope');
  });

  test('the first retrain crowns the best holdout model; a worse one never displaces it, a better one does', async () => {
    const first = service([terrible], orgId, noBiasBound);
    const r1 = await first.retrain();
    assert.ok(r1.versions > 0);
    let [champ] = await champions(first);
    assert.equal(champ.modelName, 'test:terrible');

    const median = medianBaseline({ target: 'runtimeMs' });
    const second = service([terrible, median], orgId, noBiasBound);
    const r2 = await second.retrain();
    assert.ok(r2.promoted.some((p) => p.scope === 'PIPELINE' && p.model === median.name));
    [champ] = await champions(second);
    assert.equal(champ.modelName, median.name);
    const scoped = await second.list({ target: 'runtimeMs', pipeline: 'openproblems' }, 1000);
    const sameRound = scoped.filter((v) => v.scope === 'PIPELINE' && v.trainedAt.getTime() === champ.trainedAt.getTime());
    assert.equal(sameRound.length, 2);
    assert.ok(sameRound.every((v) => v.champion || (v.mape ?? Infinity) > (champ.mape ?? Infinity)));
    assert.ok(champ.nTrain > 0 && champ.nTest > 0 && champ.coverage !== null && champ.medianApe !== null && champ.bias !== null);

    // the same history again: nothing to learn, nothing stored, the champion stays as it was
    const r3 = await second.retrain();
    assert.equal(r3.versions, 0);
    assert.ok(r3.unchanged > 0);
    assert.equal((await champions(second))[0].id, champ.id);
    // a new version of a model's code is fitted again, with the others of its scope to compare against
    const r4 = await service([terrible, { ...median, version: `${median.version}.1` }], orgId, noBiasBound).retrain();
    assert.equal(r4.unchanged, 0);
    assert.equal(r4.promoted.filter((p) => p.scope === 'PIPELINE').length, 0);
    const [again] = await champions(second);
    assert.equal(again.modelName, median.name);
    assert.ok(again.trainedAt >= champ.trainedAt);
    assert.notEqual(again.id, champ.id, 'the champion moves to its newest fit');
    // versions are kept: three rounds of the pipeline scope
    const all = await second.list({ target: 'runtimeMs', pipeline: 'openproblems' }, 1000);
    assert.equal(all.filter((v) => v.scope === 'PIPELINE').length, 1 + 2 + 2);
    assert.ok(all.every((v) => v.stateKept));
    // exactly one champion per scope
    const keys = (await second.list({ championOnly: true }, 1000)).map((v) => `${v.target}/${v.scope}/${v.pipeline}/${v.process}`);
    assert.equal(new Set(keys).size, keys.length);
  });

  test('a round in which no candidate can be measured keeps the champion it had', async () => {
    const [before] = await champions(service([medianBaseline({ target: 'runtimeMs' })]));
    assert.ok(before, 'a champion from the rounds before');
    const unmeasurable: EstimationModel<Record<string, never>> = { name: 'test:nan', version: '1', target: 'runtimeMs', fit: () => ({}), predict: () => ({ value: NaN, low: NaN, high: NaN }) };
    const round = service([unmeasurable], orgId, noBiasBound);
    const report = await round.retrain();
    assert.ok(report.versions > 0, 'its versions are kept, unmeasured');
    const [after] = await champions(round);
    assert.equal(after?.id, before.id);
  });

  test('a candidate with the lowest MAPE but a holdout total far off is not promoted; an honest one is, and is kept against it', async () => {
    const org = (await createOrganization(db.db, { name: 'Bias', slug: 'bias' })).organization.id;
    await importTraceHistory(db.db, org);
    const honest = meanModel('test:mean');
    // a twentieth of the honest model's figure: on skewed runtimes its APEs stay below 100%, so its MAPE is low
    const undercut: EstimationModel<MeanState> = { ...meanModel('test:undercut'), predict: (f, st) => scale(honest.predict(f, st), 0.05) };
    const both = [undercut, honest];
    await service(both, org).retrain();
    const round = (await service(both, org).list({ target: 'runtimeMs', pipeline: 'openproblems' }, 1000)).filter((v) => v.scope === 'PIPELINE');
    const u = round.find((v) => v.modelName === undercut.name)!;
    const h = round.find((v) => v.modelName === honest.name)!;
    // what makes this the case under test, measured on this history's holdout
    assert.ok(u.mape! < h.mape!, `undercut MAPE ${u.mape} vs honest ${h.mape}`);
    assert.ok(Math.abs(u.bias!) > settings.maxChampionBias, `undercut bias ${u.bias}`);
    // this history drifts (test-profile runs, then a full run), so even the honest total is far off;
    // the undercut one is still a factor 20 further
    assert.ok(Math.abs(h.bias!) > settings.maxChampionBias && h.bias! > -0.95, `honest bias ${h.bias}`);
    assert.equal(h.champion, true);
    assert.equal(u.champion, false);

    // the bound, not MAPE, is what kept it out: without it the lower MAPE takes the title
    const report = await service(both, org, noBiasBound).retrain();
    assert.ok(report.promoted.some((p) => p.scope === 'PIPELINE' && p.target === 'runtimeMs' && p.model === undercut.name));
  });

  test('a user module model is trained and, as champion, answers quotes with its metrics and a per-process breakdown', async () => {
    const [user] = await loadModelModule(fixtureModel('weighted-median.mjs'));
    const registry = new ModelRegistry().register(user);
    // an organization of its own, so no champion from the test above competes with the user model
    const histOrg = (await createOrganization(db.db, { name: 'Lab', slug: 'lab' })).organization.id;
    await importTraceHistory(db.db, histOrg);
    await new ModelService(db.db, histOrg, registry, settings).retrain();
    const q = await new EstimateService(db.db, histOrg, registry, settings).quote({ pipeline: 'openproblems', samples: 8, inputBytes: 8e9, region: 'westeurope' });
    assert.equal(q.basis, 'CHAMPION');
    assert.equal(q.model.name, 'lab:weighted-median-runtime');
    assert.equal(q.model.version, '2024.1');
    assert.ok(q.model.mape !== null && q.model.nTest! > 0);
    assert.ok(q.processes.length > 1);
    const sum = q.processes.reduce((a, p) => a + p.value, 0);
    assert.ok(Math.abs(sum - q.value) < 1e-9 * Math.max(1, q.value));
    assert.ok(q.low <= q.value && q.value <= q.high && q.value > 0);
    assert.equal(q.regionFallback, false);
    // twice the samples, twice the tasks, so twice the cost (runtime features do not change for this model)
    const q2 = await new EstimateService(db.db, histOrg, registry, settings).quote({ pipeline: 'openproblems', samples: 16, inputBytes: 16e9, region: 'westeurope' });
    assert.ok(Math.abs(q2.value - 2 * q.value) < 1e-9 * q2.value);

    // a registered run keeps this quote, with its per-process breakdown, as its QUOTE estimate
    const run = await new RunService(db.db, histOrg, 500).register({ projectCode: 'HIST-openproblems', pipeline: 'openproblems', sampleCount: 8, inputBytes: 8e9, region: 'westeurope' });
    const stored = await new EstimateService(db.db, histOrg, registry, settings).quoteRun(run, { pipeline: 'openproblems', samples: 8, inputBytes: 8e9, region: 'westeurope' });
    assert.ok(Math.abs(Number(stored.estimatedCost) - q.value) < 1e-6);
    const [row] = await db.db.select().from(estimates).where(and(eq(estimates.orgId, histOrg), eq(estimates.runId, run.id)));
    assert.equal(row.kind, 'QUOTE');
    assert.equal(row.modelName, 'lab:weighted-median-runtime');
    assert.equal((row.features.processes as unknown[]).length, q.processes.length);
  });

  test("another organization sees none of these versions and gets no quote from this organization's history", async () => {
    const other = service([terrible, medianBaseline({ target: 'runtimeMs' })], otherOrgId);
    assert.deepEqual(await other.list({}, 1000), []);
    const report = await other.retrain();
    assert.equal(report.versions, 0);
    const q = await new EstimateService(db.db, otherOrgId, new ModelRegistry().register(medianBaseline({ target: 'runtimeMs' })), settings).quote({ pipeline: 'openproblems', samples: 8 });
    assert.equal(q.basis, 'PRICE_SHEET');
  });
});

describe('what retraining keeps', () => {
  let db: TestDatabase;
  let orgId: string;
  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'Keeper', slug: 'keeper' })).organization.id;
    await importTraceHistory(db.db, orgId);
  });
  after(() => db.drop());

  const registry = () => new ModelRegistry().register(medianBaseline({ target: 'runtimeMs' })).register(meanModel('test:mean'));
  const states = async () =>
    (await db.sql<{ champion: boolean; kept: boolean; old: boolean }[]>`
      select champion, state is not null as kept, trained_at < now() - interval '40 days' as old from model_versions where org_id = ${orgId}`);

  test('a finished run changes the history: its scopes are fitted again and the champion moves to the new fit', async () => {
    const models = new ModelService(db.db, orgId, registry(), settings);
    const first = await models.retrain();
    assert.ok(first.versions > 0 && first.unchanged === 0);
    const [before] = (await models.champions('openproblems', 'runtimeMs')).filter((v) => v.scope === 'PIPELINE');
    // one more run of the pipeline, a week after the newest
    await importTraceHistory(db.db, orgId);
    await db.sql`update tasks set submitted_at = submitted_at + interval '3 years', started_at = started_at + interval '3 years', completed_at = completed_at + interval '3 years'
                 where org_id = ${orgId} and run_id in (select id from runs where org_id = ${orgId} order by created_at desc limit 3)`;
    const second = await models.retrain();
    assert.ok(second.versions >= first.versions, `every scope of the pipeline is fitted on the new history (${second.versions} vs ${first.versions})`);
    const [after] = (await models.champions('openproblems', 'runtimeMs')).filter((v) => v.scope === 'PIPELINE');
    assert.notEqual(after.id, before.id);
    assert.ok(after.nTrain + after.nTest > before.nTrain + before.nTest);
  });

  test('versions that are not champion drop their fitted state after the retention; champions and metrics stay', async () => {
    // age every version but leave the newest round young
    await db.sql`update model_versions set trained_at = trained_at - interval '60 days'
                 where org_id = ${orgId} and trained_at < (select max(trained_at) from model_versions where org_id = ${orgId})`;
    const report = await new ModelService(db.db, orgId, registry(), settings).retrain();
    assert.equal(report.versions, 0, 'nothing new to learn');
    const rows = await states();
    assert.ok(report.statesDropped > 0);
    assert.equal(report.statesDropped, rows.filter((r) => !r.champion && r.old).length);
    assert.ok(rows.filter((r) => r.champion).every((r) => r.kept), 'champions keep their states');
    assert.ok(rows.filter((r) => !r.champion && r.old).every((r) => !r.kept));
    assert.ok(rows.some((r) => !r.champion && !r.old && r.kept), 'the newest round keeps its states');
    const listed = await new ModelService(db.db, orgId, registry(), settings).list({}, 1000);
    assert.equal(listed.filter((v) => !v.stateKept).length, report.statesDropped);
    assert.ok(listed.every((v) => v.mape !== undefined && v.nTrain > 0), 'metrics stay');
    // a champion cannot lose its state: quotes read it
    await assert.rejects(db.sql`update model_versions set state = null where org_id = ${orgId} and champion`, /model_versions_champion_state/);
    // quotes still answer from the champions
    const q = await new EstimateService(db.db, orgId, registry(), settings).quote({ pipeline: 'openproblems', samples: 4 });
    assert.equal(q.basis, 'CHAMPION');
  });

  test('a retention of 0 days drops every state but the champions at the end of the round', async () => {
    const report = await new ModelService(db.db, orgId, registry(), { ...settings, stateRetentionDays: 0 }).retrain();
    assert.ok(report.statesDropped > 0);
    assert.ok((await states()).every((r) => r.kept === r.champion));
  });
});
