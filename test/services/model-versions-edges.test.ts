/** Edge cases found in review for the skip-unchanged retrain and failure reporting (session 23). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { loadConfig } from '../../src/config.js';
import { modelVersions } from '../../src/db/schema/index.js';
import { medianBaseline, ModelRegistry, type EstimationModel } from '../../src/models/index.js';
import { predictWithChampion } from '../../src/services/champion-predict.js';
import type { ModelVersionRow } from '../../src/db/schema/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { modelServiceWith, orgWithHistory } from '../support/history.js';

const settings = loadConfig({}).estimation;

describe('retrain skip and lab model failures, edges', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  const newOrg = (slug: string) => orgWithHistory(db.db, slug);
  const service = (orgId: string, models: EstimationModel<unknown>[]) => modelServiceWith(db.db, orgId, models, settings);
  const championsOf = async (orgId: string) =>
    db.db.select().from(modelVersions).where(and(eq(modelVersions.orgId, orgId), eq(modelVersions.target, 'runtimeMs'), eq(modelVersions.champion, true)));

  test('a champion whose model left the registry is replaced by the next retrain even when history is unchanged', async () => {
    const orgId = await newOrg('removed-champion');
    const a = medianBaseline({ target: 'runtimeMs', name: 'test:a' }) as EstimationModel<unknown>;
    const b = medianBaseline({ target: 'runtimeMs', name: 'test:b' }) as EstimationModel<unknown>;
    await service(orgId, [a, b]).retrain();
    const before = await championsOf(orgId);
    assert.ok(before.length > 0 && before.every((c) => c.modelName === 'test:a'), before.map((c) => c.modelName).join());

    // the lab drops test:a from GCT_MODEL_MODULES; the same history is retrained with test:b alone
    const onlyB = service(orgId, [b]);
    const report = await onlyB.retrain();
    const after = await championsOf(orgId);
    assert.deepEqual(after.map((c) => c.modelName).filter((n) => n !== 'test:b'), [], `unchanged=${report.unchanged} versions=${report.versions}`);
  });

  test('a lab model throwing a null-prototype object is reported as a failure, not a failed retrain', async () => {
    const orgId = await newOrg('null-proto-throw');
    const median = medianBaseline({ target: 'runtimeMs' }) as EstimationModel<unknown>;
    const weird: EstimationModel<unknown> = {
      name: 'test:null-proto', version: '1', target: 'runtimeMs',
      fit: () => { throw Object.create(null); },
      predict: () => ({ value: 1, low: 1, high: 1 }),
    };
    const report = await service(orgId, [median, weird]).retrain();
    assert.ok(report.failures.some((f) => f.model === 'test:null-proto'));
  });

  test('a champion answering a BigInt figure, or throwing a circular object, falls back instead of failing the caller', () => {
    const registry = new ModelRegistry();
    const lab = (name: string, predict: () => unknown): EstimationModel<unknown> =>
      ({ name, version: '1', target: 'runtimeMs', fit: () => ({}), predict: predict as EstimationModel<unknown>['predict'] });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    registry.register(lab('test:bigint', () => ({ value: 10n, low: 0, high: 20 })));
    registry.register(lab('test:circular-throw', () => { throw circular; }));
    const row = (modelName: string) => ({ modelName, modelVersion: '1', state: {} }) as unknown as ModelVersionRow;
    for (const name of ['test:bigint', 'test:circular-throw']) {
      let answer: ReturnType<typeof predictWithChampion> | undefined;
      assert.doesNotThrow(() => { answer = predictWithChampion(registry, row(name), { process: 'x' }); }, name);
      assert.equal(answer?.ok, false);
    }
  });
});
