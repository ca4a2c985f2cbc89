import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { modelVersions } from '../../src/db/schema/index.js';
import { builtinRegistry, type EstimationModel, type Prediction } from '../../src/models/index.js';
import { EstimateService } from '../../src/services/estimates.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/** A lab's run-level model that answers `answer` (or throws it). */
const labModel = (name: string, answer: Prediction | Error, version = '1'): EstimationModel => ({
  name, version, target: 'costPerRun',
  fit: () => ({}),
  predict: () => {
    if (answer instanceof Error) throw answer;
    return answer;
  },
});

describe("a quote's run-level figure never stops the quote", () => {
  let db: TestDatabase;
  let orgId: string;
  const registry = builtinRegistry()
    .register(labModel('lab:good', { value: 10, low: 8, high: 13 }))
    .register(labModel('lab:throws', new Error('lab bug')))
    .register(labModel('lab:nan', { value: NaN, low: 1, high: 2 }))
    .register(labModel('lab:upside-down', { value: 10, low: 12, high: 11 }))
    .register(labModel('lab:refitted', { value: 10, low: 8, high: 13 }, '2'));

  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'Q', slug: 'rmq' })).organization.id;
    // each pipeline's champion, as a retrain stores it; lab:refitted was fitted by its version 1
    await db.db.insert(modelVersions).values(['lab:good', 'lab:throws', 'lab:nan', 'lab:upside-down', 'lab:refitted', 'lab:unlabelled'].map((name) => ({
      orgId, modelName: name === 'lab:unlabelled' ? 'lab:good' : name, modelVersion: '1', target: 'costPerRun', scope: 'PIPELINE' as const, pipeline: name, process: '',
      state: {}, nTrain: 10, nTest: 4, champion: true,
      // a version stored without what its runs cost and in which currency cannot say what its figure means
      costBasis: name === 'lab:unlabelled' ? null : ('BILL' as const), currency: name === 'lab:unlabelled' ? null : 'EUR',
    })));
  });
  after(() => db.drop());

  const quote = (pipeline: string) => new EstimateService(db.db, orgId, registry, loadConfig({}).estimation).quote({ pipeline, samples: 2 });

  test('a well-behaved champion answers, in the currency of the runs it learned from, with their cost basis', async () => {
    const q = await quote('lab:good');
    assert.deepEqual({ ...q.runModel, model: q.runModel!.model.name }, { value: 10, low: 8, high: 13, currency: 'EUR', costBasis: 'BILL', intervalMethod: null, model: 'lab:good' });
  });

  test('one that throws, answers NaN or low > value, changed version since its fit, or lacks basis and currency gives no figure; the quote stands', async () => {
    for (const pipeline of ['lab:throws', 'lab:nan', 'lab:upside-down', 'lab:refitted', 'lab:unlabelled']) {
      const q = await quote(pipeline);
      assert.equal(q.runModel, null, pipeline);
      assert.equal(q.basis, 'PRICE_SHEET');
      assert.ok(q.value > 0);
    }
  });
});
