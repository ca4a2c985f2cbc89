import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { loadConfig } from '../../src/config.js';
import { modelVersions, pipelineProfiles } from '../../src/db/schema/index.js';
import { loadModelModule } from '../../src/models/load-modules.js';
import { medianBaseline, ModelRegistry, type EstimationModel } from '../../src/models/index.js';
import { predictWithChampion } from '../../src/services/champion-predict.js';
import { EstimateService } from '../../src/services/estimates.js';
import { ModelService } from '../../src/services/model-versions.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { repoRoot } from '../support/fixtures.js';
import { importTraceHistory, modelServiceWith, orgWithHistory } from '../support/history.js';

const settings = loadConfig({}).estimation;
const fixtureModel = (f: string) => path.join(repoRoot, 'test', 'fixtures', 'models', f);
const MiB = 1024 * 1024;

/** A runtime model answering its median, with whatever `state` returns as its fitted state. */
const stateModel = (name: string, state: (samples: readonly unknown[]) => unknown): EstimationModel<unknown> => ({
  name, version: '1', target: 'runtimeMs',
  fit: (samples) => state(samples),
  predict: () => ({ value: 1000, low: 500, high: 2000 }),
});

/** Rejections no one handled while `body` ran (and a moment after, when Node reports them). */
async function unhandledDuring<T>(body: () => Promise<T>): Promise<{ result: T; unhandled: unknown[] }> {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', listener);
  try {
    const result = await body();
    await new Promise((r) => setTimeout(r, 50));
    return { result, unhandled };
  } finally {
    process.off('unhandledRejection', listener);
  }
}

describe('a retrain with models that fail', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  const newOrg = (slug: string) => orgWithHistory(db.db, slug);
  const service = (orgId: string, models: EstimationModel<unknown>[]) => modelServiceWith(db.db, orgId, models, settings);
  const versionsOf = async (orgId: string, model: string) =>
    (await db.db.select().from(modelVersions).where(and(eq(modelVersions.orgId, orgId), eq(modelVersions.modelName, model)))).map((v) => `${v.scope}/${v.process}`).sort();

  test('a fit whose state Postgres would refuse is skipped for that scope, named with the scope and why; every other model and scope trains', async () => {
    const orgId = await newOrg('unstorable');
    const median = medianBaseline({ target: 'runtimeMs' });
    const [tagged] = await loadModelModule(fixtureModel('unstorable-state.mjs'));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const unstorable = [
      stateModel('test:lone-surrogate', () => ({ tag: 'sample\ud800' })),
      stateModel('test:null', () => null),
      stateModel('test:undefined', () => undefined),
      stateModel('test:bigint', () => ({ n: 10n })),
      stateModel('test:circular', () => circular),
      // just over the 8 MiB a version may store
      stateModel('test:huge', () => ({ blob: 'x'.repeat(8 * MiB) })),
    ];
    const report = await service(orgId, [median, tagged as EstimationModel<unknown>, ...unstorable]).retrain();

    const scopes = await versionsOf(orgId, median.name);
    assert.ok(scopes.length >= 3 && scopes.includes('PROCESS/load_dataset'), `scopes trained: ${scopes.join(', ')}`);
    // the lab model loses only the scopes whose state holds the NUL: that process's and the pipeline's
    assert.deepEqual(await versionsOf(orgId, tagged.name), scopes.filter((s) => s !== 'PROCESS/load_dataset' && s !== 'PIPELINE/'));
    const taggedFailures = report.failures.filter((f) => f.model === tagged.name);
    assert.deepEqual(taggedFailures.map((f) => [f.target, f.scope, f.pipeline, f.process]), [['runtimeMs', 'PIPELINE', 'openproblems', ''], ['runtimeMs', 'PROCESS', 'openproblems', 'load_dataset']]);
    for (const f of taggedFailures) assert.match(f.error, /^fit returned a state with a NUL character \(\\u0000\) in state\.lastTag\.load_dataset, which Postgres cannot store in JSON$/);

    const why: Record<string, RegExp> = {
      'test:lone-surrogate': /unpaired surrogate/,
      'test:null': /fit returned null/,
      'test:undefined': /fit returned undefined/,
      'test:bigint': /not JSON: Do not know how to serialize a BigInt/,
      'test:circular': /not JSON: Converting circular structure/,
      'test:huge': /state that is 8\.0 MiB as JSON, over the limit of 8 MiB/,
    };
    for (const m of unstorable) {
      assert.deepEqual(await versionsOf(orgId, m.name), [], `${m.name} stored nothing`);
      const failures = report.failures.filter((f) => f.model === m.name);
      assert.deepEqual(failures.map((f) => `${f.scope}/${f.process}`).sort(), scopes, `${m.name} failed on every scope`);
      for (const f of failures) assert.match(f.error, why[m.name]);
    }
    assert.equal(report.versions, 2 * scopes.length - 2);
  });

  test('a fit or predict answering with a Promise is a failing model, and its rejection does not reach the process', async () => {
    const orgId = await newOrg('promises');
    const median = medianBaseline({ target: 'runtimeMs' });
    const [remote] = await loadModelModule(fixtureModel('promise-model.mjs'));
    const laterPredict: EstimationModel<unknown> = { ...stateModel('test:promise-predict', () => ({})), predict: () => Promise.reject(new Error('not yet')) as never };
    const { result: report, unhandled } = await unhandledDuring(() => service(orgId, [median, remote as EstimationModel<unknown>, laterPredict]).retrain());
    assert.deepEqual(unhandled, []);
    const scopes = await versionsOf(orgId, median.name);
    assert.ok(scopes.length >= 3);
    for (const [model, error] of [[remote.name, /fit must be synchronous, returned a Promise/], [laterPredict.name, /predict must be synchronous, returned a Promise/]] as const) {
      assert.deepEqual(await versionsOf(orgId, model), []);
      const failures = report.failures.filter((f) => f.model === model);
      assert.equal(failures.length, scopes.length);
      for (const f of failures) assert.match(f.error, error);
    }
  });

  test('a champion whose predict answers with a Promise gives way in quotes, named, with no unhandled rejection', async () => {
    const orgId = await newOrg('promise-champion');
    const median = medianBaseline({ target: 'runtimeMs' });
    await service(orgId, [median]).retrain();
    const [remote] = await loadModelModule(fixtureModel('promise-model.mjs'));
    // as if the lab's model had won its holdout before it moved to a remote service
    await db.db.update(modelVersions).set({ modelName: remote.name, modelVersion: remote.version })
      .where(and(eq(modelVersions.orgId, orgId), eq(modelVersions.modelName, median.name), eq(modelVersions.champion, true)));
    const registry = new ModelRegistry().register(remote);
    const { result, unhandled } = await unhandledDuring(async () => {
      const [champion] = await db.db.select().from(modelVersions).where(and(eq(modelVersions.orgId, orgId), eq(modelVersions.champion, true), eq(modelVersions.scope, 'PIPELINE')));
      const answer = predictWithChampion(registry, champion, { process: 'run_method' });
      const quote = await new EstimateService(db.db, orgId, registry, settings).quote({ pipeline: 'openproblems', samples: 4 });
      return { answer, quote };
    });
    assert.deepEqual(unhandled, []);
    assert.deepEqual(result.answer, { ok: false, reason: 'failed: predict must be synchronous, returned a Promise' });
    assert.equal(result.quote.basis, 'PRICE_SHEET');
    assert.match(result.quote.note, /its champion lab:remote-runtime@1 failed: predict must be synchronous, returned a Promise/);
  });
});

describe('concurrent retrains of one organization', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  test('both finish, the profile is the one a single retrain writes, and each scope has one champion', async () => {
    const orgId = (await createOrganization(db.db, { name: 'Twice', slug: 'twice' })).organization.id;
    await importTraceHistory(db.db, orgId);
    const registry = new ModelRegistry().register(medianBaseline({ target: 'runtimeMs' }));
    const service = () => new ModelService(db.db, orgId, registry, settings);
    const profile = async () =>
      (await db.db.select().from(pipelineProfiles).where(eq(pipelineProfiles.orgId, orgId)))
        .map(({ updatedAt: _at, ...row }) => row)
        .sort((a, b) => a.process.localeCompare(b.process));

    // the first round writes the profile from nothing, the second rewrites it: both race differently
    for (let round = 0; round < 2; round++) {
      const results = await Promise.allSettled([service().retrain(), service().retrain(), service().retrain()]);
      assert.deepEqual(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')), ['ok', 'ok', 'ok'], `round ${round + 1}`);
    }
    const concurrent = await profile();
    assert.ok(concurrent.length > 1);
    await service().refreshProfile('openproblems');
    assert.deepEqual(concurrent, await profile());

    const champions = (await db.db.execute(sql`select target, scope, pipeline, process, count(*)::int as n from model_versions
      where org_id = ${orgId} and champion group by 1, 2, 3, 4`)) as unknown as { n: number }[];
    assert.ok(champions.length > 1 && champions.every((c) => c.n === 1));
  });

  test('profile refreshes of one pipeline at once all succeed, from nothing and over a profile', async () => {
    const orgId = (await createOrganization(db.db, { name: 'Profiles', slug: 'profiles' })).organization.id;
    await importTraceHistory(db.db, orgId);
    const service = new ModelService(db.db, orgId, new ModelRegistry(), settings);
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => service.refreshProfile('openproblems')));
      assert.deepEqual(results.map((r) => (r.status === 'rejected' ? String(r.reason.cause ?? r.reason) : 'ok')), Array(5).fill('ok'), `round ${round + 1}`);
    }
    const [{ n }] = (await db.db.execute(sql`select count(*)::int as n from pipeline_profiles where org_id = ${orgId}`)) as unknown as { n: number }[];
    assert.ok(n > 1);
  });
});
