import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backtest } from '../../src/models/backtest.js';
import { medianBaseline } from '../../src/models/median-baseline.js';
import type { TrainingSample } from '../../src/models/model.js';
import { fitSelectorPoint, predictSelectorPoint, processSelectorModel, type PointCandidate } from '../../src/models/process-selector.js';
import { tagTokens } from '../../src/models/tag-tokens.js';
import { tokenRidgeModel } from '../../src/models/token-ridge.js';
import { normal, rng } from './synthetic.js';

const constant = (name: string, v: number): PointCandidate<null> => ({ name, fit: () => null, predict: () => v });

test('the selector picks, per process, the candidate that did better on its newest training samples', () => {
  const r = rng(1);
  const samples: TrainingSample[] = Array.from({ length: 300 }, (_, i) => {
    const process = ['SMALL', 'LARGE', 'RARE'][i % 3];
    const base = process === 'LARGE' ? 100 : 10;
    return { features: { process }, value: base * Math.exp(0.1 * normal(r)), at: i };
  });
  const candidates = [constant('ten', 10), constant('hundred', 100)];
  const p = fitSelectorPoint(samples, candidates);
  assert.equal(p.choice.SMALL, 0);
  assert.equal(p.choice.LARGE, 1);
  assert.equal(p.choice.RARE, 0);
  assert.equal(predictSelectorPoint({ process: 'LARGE' }, p, candidates), 100);
  // a process with no validation samples gets the candidate that did best over all scored samples: two of three processes are ~10
  assert.equal(predictSelectorPoint({ process: 'UNSEEN' }, p, candidates), 10);
});

test('a process with too few validation samples falls back to the pooled winner; ties go to the first candidate', () => {
  const samples: TrainingSample[] = [
    ...Array.from({ length: 40 }, (_, i) => ({ features: { process: 'A' }, value: 10, at: i })),
    // B only has 2 samples in the newest 30 %, too few for a choice of its own
    { features: { process: 'B' }, value: 100, at: 0.5 },
    { features: { process: 'B' }, value: 100, at: 39.5 },
    { features: { process: 'B' }, value: 100, at: 39.6 },
  ];
  const candidates = [constant('ten', 10), constant('hundred', 100)];
  const p = fitSelectorPoint(samples, candidates);
  assert.equal(p.choice.B, undefined);
  assert.equal(p.fallback, 0);
  const tie = fitSelectorPoint(samples, [constant('first', 10), constant('second', 10)]);
  assert.ok(Object.values(tie.choice).every((c) => c === 0) && tie.fallback === 0);
});

test('tag tokens split on separators but keep underscored names whole', () => {
  assert.deepEqual(tagTokens('label_projection:f1-mlp_scran-pancreas_batch:openproblems'), ['label_projection', 'f1', 'mlp_scran', 'pancreas_batch', 'openproblems']);
  assert.deepEqual(tagTokens('Sample1 (T1)'), ['sample1', 't1']);
  assert.deepEqual(tagTokens(null), []);
});

/** runtime = 60 s × 4 for the `big` dataset, × 1 for `small`, × the method's factor, lognormal noise. */
function taggedRuntimes(n: number, seed: number): TrainingSample[] {
  const r = rng(seed);
  const methods: [string, number][] = [['fast', 0.5], ['slow', 2], ['mid', 1]];
  return Array.from({ length: n }, (_, i) => {
    const big = r() < 0.5;
    const [method, factor] = methods[Math.floor(r() * methods.length)];
    const value = 60_000 * (big ? 4 : 1) * factor * Math.exp(0.1 * normal(r));
    return { features: { process: 'RUN', tag: `task:${method}-${big ? 'big' : 'small'}:img` }, value, at: i };
  });
}

test('tag-token ridge recovers multiplicative word effects and beats the per-process median', () => {
  const data = taggedRuntimes(600, 4);
  const m = tokenRidgeModel({ target: 'runtimeMs' });
  const state = JSON.parse(JSON.stringify(m.fit(data)));
  const big = m.predict({ process: 'RUN', tag: 'task:mid-big:img' }, state).value;
  const small = m.predict({ process: 'RUN', tag: 'task:mid-small:img' }, state).value;
  assert.ok(Math.abs(big / small / 4 - 1) < 0.1, `big / small = ${big / small}`);
  const slow = m.predict({ process: 'RUN', tag: 'task:slow-small:img' }, state).value;
  const fast = m.predict({ process: 'RUN', tag: 'task:fast-small:img' }, state).value;
  assert.ok(Math.abs(slow / fast / 4 - 1) < 0.1, `slow / fast = ${slow / fast}`);
  assert.equal(state.point.fits.RUN.effects.task, undefined, 'a word in every sample carries no information');
  // a tag of unseen words (or a quote, with no tag) gets the process's geometric mean
  assert.equal(m.predict({ process: 'RUN', tag: 'other:new' }, state).value, m.predict({ process: 'RUN' }, state).value);

  const ridge = backtest(m, data);
  const median = backtest(medianBaseline({ target: 'runtimeMs' }), data);
  assert.ok(ridge.mape < 0.15, `ridge MAPE ${ridge.mape}`);
  assert.ok(median.mape > 2 * ridge.mape, `median MAPE ${median.mape}`);
  const selector = backtest(processSelectorModel({ target: 'runtimeMs' }), data);
  assert.ok(Math.abs(selector.mape - ridge.mape) < 1e-9, 'the selector picks the ridge where tags explain the runtime');
});
