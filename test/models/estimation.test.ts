import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backtest, evaluate } from '../../src/models/backtest.js';
import { applyInterval, calibrateFromRatios, quantile, timeOrderedSplit } from '../../src/models/intervals.js';
import { medianBaseline } from '../../src/models/median-baseline.js';
import { regressionModel } from '../../src/models/regression.js';
import type { TrainingSample } from '../../src/models/model.js';
import { INTERCEPT, SLOPE, linearRuntimeSamples } from './synthetic.js';

const sample = (process: string, value: number, at: number, group?: string): TrainingSample => ({ features: { process, group }, value, at });

test('median baseline: per-process median, the global median for an unseen process', () => {
  const m = medianBaseline({ target: 'runtimeMs' });
  const data = [sample('A', 1, 1), sample('A', 3, 2), sample('A', 100, 3), sample('B', 10, 4), sample('B', 20, 5)];
  const state = JSON.parse(JSON.stringify(m.fit(data)));
  assert.equal(m.predict({ process: 'A' }, state).value, 3);
  assert.equal(m.predict({ process: 'B' }, state).value, 15);
  assert.equal(m.predict({ process: 'C' }, state).value, 10);
  assert.equal(m.predict({ process: 'constructor' }, state).value, 10, 'process names are not object keys');
});

test('median baseline by group uses a group with enough samples, else the process', () => {
  const m = medianBaseline({ target: 'runtimeMs', minGroupSamples: 2 });
  const data = [sample('A', 1, 1, 'x'), sample('A', 2, 2, 'x'), sample('A', 50, 3, 'y'), sample('A', 60, 4, 'z')];
  const state = m.fit(data);
  assert.equal(m.predict({ process: 'A', group: 'x' }, state).value, 1.5);
  assert.equal(m.predict({ process: 'A', group: 'y' }, state).value, 26);
});

test('regression recovers runtime = a × inputBytes + b and beats the median', () => {
  const data = linearRuntimeSamples(600, 7);
  const reg = regressionModel({ target: 'runtimeMs' });
  const state = JSON.parse(JSON.stringify(reg.fit(data)));
  const fit = state.point.fits.ALIGN;
  assert.deepEqual(fit.features, ['inputBytes'], 'cpus is constant, so it is not used');
  // back from the standardised scale: slope = c / scale, intercept = c0 − c × mean / scale
  const slope = fit.coefficients[0] / fit.scale[0];
  const intercept = fit.coefficients[1] - slope * fit.mean[0];
  assert.ok(Math.abs(slope / SLOPE - 1) < 0.05, `slope ${slope}`);
  assert.ok(Math.abs(intercept - INTERCEPT) < 0.5 * INTERCEPT + 0.02 * SLOPE * 2.6e9, `intercept ${intercept}`);
  const x = 2e9;
  const p = reg.predict({ process: 'ALIGN', inputBytes: x }, state).value;
  assert.ok(Math.abs(p / (SLOPE * x + INTERCEPT) - 1) < 0.05, `prediction ${p}`);

  const r = backtest(reg, data);
  const b = backtest(medianBaseline({ target: 'runtimeMs' }), data);
  assert.equal(r.n, 180);
  assert.equal(r.nTrain, 420);
  assert.ok(r.mape < 0.12, `regression MAPE ${r.mape}`);
  assert.ok(b.mape > 3 * r.mape, `median MAPE ${b.mape} vs regression ${r.mape}`);
  assert.ok(Math.abs(r.bias) < 0.05, `bias ${r.bias}`);
});

test('regression falls back to the median for thin history and missing features', () => {
  const reg = regressionModel({ target: 'runtimeMs' });
  const data = [...linearRuntimeSamples(100, 3), sample('RARE', 5, 1), sample('RARE', 7, 2), sample('RARE', 9, 3)];
  const state = reg.fit(data);
  assert.equal(state.point.fits.RARE, undefined);
  assert.equal(reg.predict({ process: 'RARE', inputBytes: 1e12 }, state).value, 7);
  const noInput = reg.predict({ process: 'ALIGN' }, state).value;
  assert.equal(noInput, state.point.median.byProcess.ALIGN);
  // never below the smallest runtime the process has shown
  assert.ok(reg.predict({ process: 'ALIGN', inputBytes: -1e12 }, state).value >= state.point.fits.ALIGN.floor);
});

test('80% intervals from held-out residuals cover about 80% of newer data', () => {
  const data = linearRuntimeSamples(2000, 11);
  const r = backtest(regressionModel({ target: 'runtimeMs' }), data);
  assert.ok(r.coverage > 0.74 && r.coverage < 0.86, `regression coverage ${r.coverage}`);
  const state = regressionModel({ target: 'runtimeMs' }).fit(data);
  assert.equal(state.interval.method, 'held-out');
  // rolling origin: the newest 30 % of 2000, in three windows, each predicted by a fit on all older samples
  assert.equal(state.interval.n, 600);
  // lognormal sd 0.1: the 10th/90th percentiles of the ratio are ≈ exp(∓1.2816 × 0.1)
  assert.ok(Math.abs(state.interval.lowRatio - Math.exp(-0.128)) < 0.03, `low ${state.interval.lowRatio}`);
  assert.ok(Math.abs(state.interval.highRatio - Math.exp(0.128)) < 0.03, `high ${state.interval.highRatio}`);
  const m = backtest(medianBaseline({ target: 'runtimeMs' }), data);
  assert.ok(m.coverage > 0.7 && m.coverage < 0.9, `median coverage ${m.coverage}`);
});

test('interval helpers: quantiles, calibration, bounds always contain the point, time order', () => {
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([5], 0.9), 5);
  const cal = calibrateFromRatios([0.5, 0.9, 1, 1.1, 2], 0.8, 'held-out');
  // conformal order statistics of 5: ⌊6 × 0.1⌋ = 0 → the 1st, ⌈6 × 0.9⌉ = 6 → the 5th (clamped)
  assert.equal(cal.lowRatio, 0.5);
  assert.equal(cal.highRatio, 2);
  const ten = calibrateFromRatios([10, 1, 9, 2, 8, 3, 7, 4, 6, 5, 11, 12, 13, 14, 15, 16, 17, 18, 19], 0.8, 'held-out');
  // n = 19: ⌊20 × 0.1⌋ = 2nd smallest, ⌈20 × 0.9⌉ = 18th smallest
  assert.equal(ten.lowRatio, 2);
  assert.equal(ten.highRatio, 18);
  const biased = applyInterval(10, { ...cal, lowRatio: 1.2, highRatio: 1.5 });
  assert.deepEqual(biased, { value: 10, low: 10, high: 15 });
  assert.equal(calibrateFromRatios([], 0.8, 'held-out').method, 'default');
  const { older, newer } = timeOrderedSplit([{ at: 3 }, { at: 1 }, { at: 2 }, { at: 0 }], 0.5);
  assert.deepEqual(older.map((s) => s.at), [0, 1]);
  assert.deepEqual(newer.map((s) => s.at), [2, 3]);
});

test('backtest metrics on hand-computed numbers: MAPE, median APE, bias, coverage, zero actuals', () => {
  const fixed = { name: 'fixed', version: '1', target: 'runtimeMs' as const, fit: () => ({}), predict: () => ({ value: 10, low: 8, high: 12 }) };
  const test = [sample('A', 5, 10), sample('A', 10, 11), sample('A', 20, 12), sample('A', 0, 13)];
  const r = evaluate(fixed, [sample('A', 1, 0)], test);
  // APEs: |10-5|/5 = 1, 0, |10-20|/20 = 0.5; the zero actual is left out of APEs
  assert.equal(r.mape, 0.5);
  assert.equal(r.medianApe, 0.5);
  assert.equal(r.zeroActuals, 1);
  // Σpred 40 / Σactual 35 − 1
  assert.ok(Math.abs(r.bias - (40 / 35 - 1)) < 1e-12);
  // only 10 is inside [8, 12]
  assert.equal(r.coverage, 0.25);
  assert.equal(r.n, 4);
  assert.equal(r.nTrain, 1);
  assert.throws(() => backtest(fixed, [sample('A', 1, 0)]), /both sides of the split/);
});
