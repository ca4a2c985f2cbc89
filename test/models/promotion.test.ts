import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseChampion, eligibility } from '../../src/models/promotion.js';

const rule = { maxBias: 0.5 };

test('the lowest MAPE within the bias bound wins; a lower MAPE with its total off by more than the bound does not', () => {
  const scores = [{ mape: 0.9, bias: -0.95 }, { mape: 1.2, bias: 0.1 }, { mape: 1.5, bias: -0.4 }];
  assert.deepEqual(eligibility(scores, rule), [false, true, true]);
  assert.equal(chooseChampion(scores, null, rule), 1);
  // an eligible incumbent keeps the title unless beaten on MAPE by an eligible candidate
  assert.equal(chooseChampion(scores, 2, rule), 1);
  assert.equal(chooseChampion([{ mape: 1.2, bias: 0.1 }, { mape: 1.2, bias: 0 }], 1, rule), 1);
  // a biased incumbent yields even to a candidate with a higher MAPE
  assert.equal(chooseChampion(scores, 0, rule), 1);
});

test('when every candidate misses the bound, those within a factor 1.5 of the least-biased total stay eligible', () => {
  // totals at 13%, 10% and 0.7% of the actual: the first two are within 1.5x of each other, the third 20x off
  const scores = [{ mape: 1.1, bias: -0.87 }, { mape: 1.0, bias: -0.9 }, { mape: 0.95, bias: -0.993 }];
  assert.deepEqual(eligibility(scores, rule), [true, true, false]);
  assert.equal(chooseChampion(scores, null, rule), 1);
  assert.equal(chooseChampion([{ mape: NaN, bias: NaN }], null, rule), null);
});
