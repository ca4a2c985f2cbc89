import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backtest } from '../../src/models/backtest.js';
import { medianBaseline } from '../../src/models/median-baseline.js';
import type { TrainingSample } from '../../src/models/model.js';
import { singleFeatureModel, type CurveFit } from '../../src/models/single-feature.js';
import { INTERCEPT, SLOPE, linearRuntimeSamples, normal, rng } from './synthetic.js';

const simple = singleFeatureModel({ target: 'runtimeMs', family: 'simple' });
const polynomial = singleFeatureModel({ target: 'runtimeMs', family: 'polynomial' });
const robust = singleFeatureModel({ target: 'runtimeMs', family: 'robust' });
const roundTrip = <T>(state: T): T => JSON.parse(JSON.stringify(state));

/** Back from the standardised scale: slope = c₁ / scale, intercept = c₀ − slope × mean. */
const line = (fit: CurveFit) => {
  const slope = fit.coefficients[1] / fit.scale;
  return { slope, intercept: fit.coefficients[0] - slope * fit.mean };
};

/** runtime = 30 s + 1e-12 ms/byte² × inputBytes² (plus lognormal noise, sd 0.05): an all-pairs step. */
const QUAD = 1e-12;
const quadratic = (x: number) => 30_000 + QUAD * x * x;
function quadraticSamples(n: number, seed: number): TrainingSample[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const inputBytes = 1e8 + r() * 5e9;
    return { features: { process: 'PAIRS', inputBytes }, value: quadratic(inputBytes) * Math.exp(0.05 * normal(r)), at: 1_700_000_000_000 + i * 1000 };
  });
}

test('simple regression recovers runtime = a × inputBytes + b on the feature that explains it', () => {
  const r = rng(5);
  // memoryBytes varies too but says nothing about the runtime: the fit must choose inputBytes
  const data = linearRuntimeSamples(600, 7).map((s) => ({ ...s, features: { ...s.features, memoryBytes: 2 ** 30 * (1 + Math.floor(r() * 16)) } }));
  const state = roundTrip(simple.fit(data));
  const fit = state.point.fits.ALIGN;
  assert.equal(fit.feature, 'inputBytes');
  assert.equal(fit.ceiling, null, 'a line is not capped');
  const { slope, intercept } = line(fit);
  assert.ok(Math.abs(slope / SLOPE - 1) < 0.05, `slope ${slope}`);
  assert.ok(Math.abs(intercept - INTERCEPT) < 0.5 * INTERCEPT + 0.02 * SLOPE * 2.6e9, `intercept ${intercept}`);
  const p = simple.predict({ process: 'ALIGN', inputBytes: 2e9 }, state);
  assert.ok(Math.abs(p.value / (SLOPE * 2e9 + INTERCEPT) - 1) < 0.05, `prediction ${p.value}`);
  assert.ok(p.low <= p.value && p.value <= p.high);

  const b = backtest(simple, data);
  assert.ok(b.mape < 0.12, `simple MAPE ${b.mape}`);
  assert.ok(backtest(medianBaseline({ target: 'runtimeMs' }), data).mape > 3 * b.mape);
});

test('polynomial regression recovers a quadratic where the simple line is clearly worse', () => {
  const data = quadraticSamples(600, 13);
  const state = roundTrip(polynomial.fit(data));
  assert.equal(state.point.fits.PAIRS.feature, 'inputBytes');
  for (const x of [5e8, 2e9, 4.5e9]) {
    const p = polynomial.predict({ process: 'PAIRS', inputBytes: x }, state).value;
    assert.ok(Math.abs(p / quadratic(x) - 1) < 0.05, `at ${x}: ${p} vs ${quadratic(x)}`);
  }
  const poly = backtest(polynomial, data);
  const lin = backtest(simple, data);
  assert.ok(poly.mape < 0.1, `polynomial MAPE ${poly.mape}`);
  assert.ok(lin.mape > 3 * poly.mape, `simple MAPE ${lin.mape} vs polynomial ${poly.mape}`);
});

test('polynomial predictions stay between the observed minimum and ceilingFactor × the observed maximum', () => {
  const data = quadraticSamples(200, 17);
  const state = polynomial.fit(data);
  const fit = state.point.fits.PAIRS;
  const max = Math.max(...data.map((s) => s.value));
  assert.equal(fit.ceiling, 2 * max);
  // unguarded, 1e12 bytes would give 1e12 ms (30 years)
  assert.equal(polynomial.predict({ process: 'PAIRS', inputBytes: 1e12 }, state).value, 2 * max);
  assert.ok(polynomial.predict({ process: 'PAIRS', inputBytes: -1e12 }, state).value >= fit.floor);
  const wider = singleFeatureModel({ target: 'runtimeMs', family: 'polynomial', ceilingFactor: 5 });
  assert.equal(wider.predict({ process: 'PAIRS', inputBytes: 1e12 }, wider.fit(data)).value, 5 * max);
  assert.throws(() => singleFeatureModel({ target: 'runtimeMs', family: 'polynomial', ceilingFactor: 0.5 }), /ceilingFactor must be a finite number ≥ 1, got 0.5/);
});

test('robust regression keeps the true slope with 10% gross outliers that pull least squares away', () => {
  const r = rng(23);
  // every tenth task was retried after hanging: 20× its runtime, whatever its input
  const data = linearRuntimeSamples(600, 19).map((s, i) => (i % 10 === 3 ? { ...s, value: s.value * 20 } : s));
  const slopeOf = (m: typeof robust) => line(m.fit(data).point.fits.ALIGN).slope;
  const theilSen = slopeOf(robust);
  const ols = slopeOf(simple);
  assert.ok(Math.abs(theilSen / SLOPE - 1) < 0.1, `Theil–Sen slope ${theilSen} vs ${SLOPE}`);
  assert.ok(Math.abs(ols / SLOPE - 1) > 0.5, `least-squares slope ${ols} was expected to be pulled away from ${SLOPE}`);
  const x = 1e8 + r() * 5e9;
  const p = robust.predict({ process: 'ALIGN', inputBytes: x }, roundTrip(robust.fit(data))).value;
  assert.ok(Math.abs(p / (SLOPE * x + INTERCEPT) - 1) < 0.1, `prediction ${p}`);
});

test('robust regression on a long history fits an evenly spaced subset and still finds the slope', () => {
  const data = linearRuntimeSamples(3000, 29);
  const small = singleFeatureModel({ target: 'runtimeMs', family: 'robust', maxRobustPoints: 100 });
  const fit = small.fit(data).point.fits.ALIGN;
  assert.equal(fit.n, 3000);
  assert.ok(Math.abs(line(fit).slope / SLOPE - 1) < 0.1, `slope ${line(fit).slope}`);
});

test('position and attempt are not inputs: a trend in submit order alone leaves the process on its median unless asked for', () => {
  const data = Array.from({ length: 60 }, (_, i) => ({ features: { process: 'SORT', position: i, attempt: 1 + (i % 2) }, value: 1000 + 100 * i, at: i }));
  const state = simple.fit(data);
  assert.equal(state.point.fits.SORT, undefined);
  assert.equal(simple.predict({ process: 'SORT', position: 1000 }, state).value, state.point.median.byProcess.SORT);
  const byPosition = singleFeatureModel({ target: 'runtimeMs', family: 'simple', features: ['position'] });
  assert.equal(byPosition.fit(data).point.fits.SORT.feature, 'position');
});

for (const [family, model] of [['simple', simple], ['polynomial', polynomial], ['robust', robust]] as const) {
  test(`${family} regression falls back to the median without the feature or with thin history, and its state is JSON`, () => {
    const data = [
      ...linearRuntimeSamples(100, 3),
      ...[5, 7, 9].map((value, i) => ({ features: { process: 'RARE', inputBytes: 1e9 * (i + 1) }, value, at: 1_700_000_000_000 + i })),
    ];
    const state = model.fit(data);
    assert.equal(model.name, `${family}-regression:runtimeMs`);
    assert.equal(state.point.fits.RARE, undefined);
    assert.equal(model.predict({ process: 'RARE', inputBytes: 1e12 }, state).value, 7);
    assert.equal(model.predict({ process: 'ALIGN' }, state).value, state.point.median.byProcess.ALIGN);
    assert.equal(model.predict({ process: 'ALIGN', inputBytes: null }, state).value, state.point.median.byProcess.ALIGN);
    assert.equal(model.predict({ process: 'constructor', inputBytes: 1e9 }, state).value, state.point.median.global);
    assert.ok(model.predict({ process: 'ALIGN', inputBytes: -1e12 }, state).value >= state.point.fits.ALIGN.floor);

    const restored = roundTrip(state);
    assert.deepEqual(restored, state);
    for (const f of [{ process: 'ALIGN', inputBytes: 3e9 }, { process: 'ALIGN' }, { process: 'RARE', inputBytes: 1 }]) {
      assert.deepEqual(model.predict(f, restored), model.predict(f, state));
    }
  });
}
