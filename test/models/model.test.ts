import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertModel, InvalidModelError } from '../../src/models/model.js';
import { ModelRegistry } from '../../src/models/registry.js';
import { builtinRegistry } from '../../src/models/builtins.js';
import { medianBaseline } from '../../src/models/median-baseline.js';

const valid = { name: 'mine', version: '1', target: 'runtimeMs', fit: () => ({}), predict: () => ({ value: 1, low: 1, high: 1 }) };

test('assertModel accepts a complete model', () => {
  assert.equal(assertModel(valid), valid);
});

for (const field of ['fit', 'predict', 'name', 'version', 'target'] as const) {
  test(`assertModel rejects a model without "${field}", naming it`, () => {
    const { [field]: _omitted, ...rest } = valid;
    assert.throws(() => assertModel(rest), (err: unknown) => {
      assert.ok(err instanceof InvalidModelError);
      assert.match(err.message, new RegExp(`missing "${field}"`));
      return true;
    });
  });
}

test('assertModel names every problem at once and checks types', () => {
  assert.throws(() => assertModel({ name: 'x', version: '1', target: 'nope', fit: 3 }, 'config.models[0]'), (err: unknown) => {
    assert.ok(err instanceof InvalidModelError);
    assert.match(err.message, /^model "x" is not an estimation model/);
    assert.match(err.message, /"target" must be one of runtimeMs/);
    assert.match(err.message, /"fit" must be a function/);
    assert.match(err.message, /missing "predict"/);
    assert.equal(err.problems.length, 3);
    return true;
  });
  assert.throws(() => assertModel(null, 'config.models[0]'), /config\.models\[0\] is not an estimation model: expected an object, got null/);
  assert.throws(() => assertModel({ ...valid, name: ' ' }), /"name" must be a non-empty string/);
});

test('assertModel refuses an async fit or predict: models run synchronously in the server', () => {
  assert.throws(() => assertModel({ ...valid, fit: async () => ({}), predict: async () => ({ value: 1, low: 1, high: 1 }) }), (err: unknown) => {
    assert.ok(err instanceof InvalidModelError);
    assert.match(err.message, /"fit" must be synchronous \(it is an async function\)/);
    assert.match(err.message, /"predict" must be synchronous \(it is an async function\)/);
    return true;
  });
  // a generator answers an iterator, not a state: as wrong, and as visible
  assert.throws(() => assertModel({ ...valid, fit: function* () {} }), /"fit" must be a plain function \(it is a generator function\)/);
});

test('assertModel refuses a name or version with a NUL character, which Postgres cannot store', () => {
  assert.throws(() => assertModel({ ...valid, name: 'lab:\u0000x', version: '1\u0000' }), (err: unknown) => {
    assert.ok(err instanceof InvalidModelError);
    assert.match(err.message, /"name" must not contain a NUL character/);
    assert.match(err.message, /"version" must not contain a NUL character/);
    return true;
  });
});

test('registry registers, lists and gets by name; refuses duplicates and invalid models', () => {
  const reg = new ModelRegistry().register(valid as never);
  assert.equal(reg.get('mine'), valid);
  assert.throws(() => reg.register({ ...valid } as never), /a model named "mine" is already registered/);
  assert.throws(() => reg.register({ name: 'broken' } as never), /missing "fit"/);
  assert.throws(() => reg.get('other'), /no model named "other"; registered: mine/);
  assert.deepEqual(reg.list().map((m) => m.name), ['mine']);
});

test('the built-in registry holds the price sheet, medians, regressions, tag-token ridges, selectors and run-level unit rates', () => {
  const names = builtinRegistry().list().map((m) => m.name);
  assert.deepEqual(names, [
    'price-sheet:costPerTask', 'median-baseline:runtimeMs', 'median-baseline:peakRssBytes',
    'linear-regression:runtimeMs', 'simple-regression:runtimeMs', 'polynomial-regression:runtimeMs', 'robust-regression:runtimeMs',
    'linear-regression:peakRssBytes', 'simple-regression:peakRssBytes', 'polynomial-regression:peakRssBytes', 'robust-regression:peakRssBytes',
    'tag-token-ridge:runtimeMs', 'tag-token-ridge:peakRssBytes', 'process-selector:runtimeMs', 'process-selector:peakRssBytes',
    'median-baseline:costPerRun', 'linear-regression:costPerRun',
    'simple-regression:costPerRun', 'polynomial-regression:costPerRun', 'robust-regression:costPerRun', 'unit-rate:costPerRun',
  ]);
  assert.throws(() => builtinRegistry().register(medianBaseline({ target: 'runtimeMs' })), /already registered/);
});

test('a median grouped by tag family fits a state Postgres can store, and predicts from its groups', async () => {
  const { fitState } = await import('../../src/models/model-call.js');
  const model = medianBaseline({ target: 'runtimeMs', name: 'median-group:runtimeMs', minGroupSamples: 2 });
  const samples = [10, 12, 11, 100, 110, 105].map((value, i) => ({ features: { process: 'ALIGN', group: i < 3 ? 'small' : 'large' }, value, at: i }));
  const state = fitState(model, samples);
  const groups = Object.keys((state as unknown as { point: { byGroup: Record<string, number> } }).point.byGroup);
  assert.equal(groups.length, 2);
  assert.ok(groups.every((k) => !k.includes('\u0000')));
  assert.equal(model.predict({ process: 'ALIGN', group: 'large' }, state).value, 105);
  assert.equal(model.predict({ process: 'ALIGN', group: 'small' }, state).value, 11);
});
