/**
 * What the per-process regressions (regression.ts, single-feature.ts) share: samples grouped by
 * process, the features a process can be fitted on, its floor, and a prediction that falls back to
 * the median when the process has no fit or the task lacks a feature the fit needs.
 */
import { predictMedianPoint, pushTo, type MedianPoint } from './median-baseline.js';
import { numericFeature, type Features, type NumericFeature, type TrainingSample } from './model.js';

/** A feature present in every sample of a process, with its mean and (population) standard deviation. */
export interface FeatureSpread {
  key: NumericFeature;
  mean: number;
  scale: number;
}

/** Fits `fitOne` on each process's samples with a finite value; processes it declines (null) are left out. */
export function fitPerProcess<F>(samples: readonly TrainingSample[], fitOne: (list: TrainingSample[]) => F | null): Record<string, F> {
  const byProcess = new Map<string, TrainingSample[]>();
  for (const s of samples) if (Number.isFinite(s.value)) pushTo(byProcess, s.features.process, s);
  const fits: Record<string, F> = {};
  for (const [process, list] of byProcess) {
    const fit = fitOne(list);
    if (fit) fits[process] = fit;
  }
  return fits;
}

/** The candidates present in every sample with some spread, in the candidates' order: the only ones a line can learn from. */
export function usableFeatures(list: readonly TrainingSample[], candidates: readonly NumericFeature[]): FeatureSpread[] {
  const usable: FeatureSpread[] = [];
  for (const key of candidates) {
    const xs = list.map((s) => numericFeature(s.features, key));
    if (xs.some((x) => x === null)) continue;
    const vals = xs as number[];
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
    if (sd > 0 && Number.isFinite(sd)) usable.push({ key, mean, scale: sd });
  }
  return usable;
}

/** The smallest value the process has shown: a fitted curve extrapolated below it is not a runtime or a memory size. */
export function floorOf(list: readonly TrainingSample[]): number {
  // a loop, not Math.min(...): a process may have more samples than a call has arguments
  let min = Infinity;
  for (const s of list) if (s.value < min) min = s.value;
  return min;
}

/** The largest value the process has shown. */
export function ceilingOf(list: readonly TrainingSample[]): number {
  let max = -Infinity;
  for (const s of list) if (s.value > max) max = s.value;
  return max;
}

/**
 * The process's fit evaluated on the task (`evaluate` returns null when a feature it needs is
 * absent), else the median; process names are not object keys (`constructor`).
 */
export function predictPerProcess<F>(
  f: Features,
  fits: Record<string, F>,
  median: MedianPoint,
  evaluate: (fit: F, f: Features) => number | null,
): number {
  const fit = Object.hasOwn(fits, f.process) ? fits[f.process] : undefined;
  if (fit) {
    const y = evaluate(fit, f);
    if (y !== null) return y;
  }
  return predictMedianPoint(f, median);
}
