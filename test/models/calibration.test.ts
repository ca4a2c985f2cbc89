import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitCalibrated, heldOutRatios } from '../../src/models/intervals.js';
import { fitMedianPoint, medianBaseline, predictMedianPoint } from '../../src/models/median-baseline.js';
import type { TrainingSample } from '../../src/models/model.js';
import { normal, rng } from './synthetic.js';

/** Two processes with known lognormal spread: QUIET (sd 0.1) and NOISY (sd 0.8), interleaved in time. */
function twoSpreads(n: number, seed: number, t0 = 0): TrainingSample[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const noisy = i % 2 === 1;
    const value = (noisy ? 1000 : 100) * Math.exp((noisy ? 0.8 : 0.1) * normal(r));
    return { features: { process: noisy ? 'NOISY' : 'QUIET' }, value, at: t0 + i };
  });
}

const covered = (m: ReturnType<typeof medianBaseline>, state: unknown, fresh: TrainingSample[]) => {
  let inside = 0;
  for (const s of fresh) {
    const p = m.predict(s.features, state as never);
    if (s.value >= p.low && s.value <= p.high) inside++;
  }
  return inside / fresh.length;
};

test('per-process calibration: the 80% interval covers about 80% of fresh draws of each process, whatever its spread', () => {
  const m = medianBaseline({ target: 'runtimeMs' });
  const state = m.fit(twoSpreads(3000, 3));
  assert.ok(state.interval.byProcess?.QUIET && state.interval.byProcess?.NOISY, 'both processes have enough residuals for their own quantiles');
  // the true 90th percentile ratio of a lognormal with sd σ (around its median) is exp(1.2816 σ)
  assert.ok(Math.abs(Math.log(state.interval.byProcess.NOISY.highRatio) - 1.2816 * 0.8) < 0.2, `NOISY high ${state.interval.byProcess.NOISY.highRatio}`);
  assert.ok(Math.abs(Math.log(state.interval.byProcess.QUIET.highRatio) - 1.2816 * 0.1) < 0.03, `QUIET high ${state.interval.byProcess.QUIET.highRatio}`);
  const fresh = twoSpreads(4000, 99, 10_000);
  for (const process of ['QUIET', 'NOISY']) {
    const c = covered(m, state, fresh.filter((s) => s.features.process === process));
    assert.ok(c > 0.75 && c < 0.85, `${process} coverage ${c}`);
  }
});

test('pooled calibration when a process has too few residuals: one interval for all, near nominal overall, wrong per process', () => {
  const m = medianBaseline({ target: 'runtimeMs', minGroupResiduals: 10_000 });
  const state = m.fit(twoSpreads(1200, 5));
  assert.equal(state.interval.byProcess, undefined);
  const fresh = twoSpreads(4000, 7, 10_000);
  const quiet = covered(m, state, fresh.filter((s) => s.features.process === 'QUIET'));
  const noisy = covered(m, state, fresh.filter((s) => s.features.process === 'NOISY'));
  // the pooled ratios are dominated by NOISY's spread: QUIET gets far too wide an interval, NOISY too narrow
  assert.ok(quiet > 0.95, `QUIET coverage ${quiet}`);
  assert.ok(noisy < 0.75, `NOISY coverage ${noisy}`);
  const all = covered(m, state, fresh);
  assert.ok(all > 0.75 && all < 0.9, `overall coverage ${all}`);
});

test('held-out ratios come from fits on strictly older samples, over the newest share in time order', () => {
  // value = submit time: a fit that had seen its window would predict it exactly
  const samples: TrainingSample[] = Array.from({ length: 100 }, (_, i) => ({ features: { process: 'P' }, value: 100 - i, at: 100 - i }));
  const seenMax: number[] = [];
  const { all } = heldOutRatios(
    samples,
    (s) => {
      seenMax.push(Math.max(...s.map((x) => x.at)));
      return fitMedianPoint(s);
    },
    predictMedianPoint,
    0.3,
    3,
  );
  assert.equal(all.length, 30);
  assert.deepEqual(seenMax, [70, 80, 90], 'each window is predicted by a fit on everything before it');
  // every held-out value is newer, so larger, than the median of what its fit saw
  assert.ok(all.every((r) => r > 1));
  const state = fitCalibrated(samples, fitMedianPoint, predictMedianPoint);
  assert.equal(state.interval.method, 'held-out');
  assert.equal(state.point.byProcess.P, 50.5, 'the point model is refitted on all samples');
});
