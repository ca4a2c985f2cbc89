/**
 * Prediction intervals from held-out residuals, shared by every built-in model.
 *
 * A model is first fitted on the older part of its training samples and asked to predict the
 * newer part; the ratios actual / predicted on those held-out samples give empirical quantiles
 * (for 80 %: the 10th and 90th percentiles). A later prediction p gets [p × q_low, p × q_high].
 * Relative (multiplicative) residuals because runtimes, memory and costs are positive and their
 * errors scale with the value. Nothing here is a fixed ±%: with too few held-out residuals the
 * in-sample ratios are used, and only with none at all a wide default, and `method` says which.
 */
import type { Prediction, TrainingSample } from './model.js';

export interface IntervalCalibration {
  /** Nominal coverage, e.g. 0.8. */
  coverage: number;
  /** Multiply the point estimate by these to get the interval. */
  lowRatio: number;
  highRatio: number;
  /** Residuals the quantiles came from. */
  n: number;
  method: 'held-out' | 'in-sample' | 'default';
}

/** Fewer held-out residuals than this and the quantiles are too noisy to trust alone. */
export const MIN_HELD_OUT = 5;
const DEFAULT_CALIBRATION = { lowRatio: 0.5, highRatio: 2 };

/** Quantile of ascending-sorted values with linear interpolation (R type 7, numpy default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of an empty list');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is not in [0, 1]`);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

/** actual / predicted for pairs where both are finite and the prediction is positive. */
export function residualRatios(actual: readonly number[], predicted: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const p = predicted[i];
    if (Number.isFinite(a) && Number.isFinite(p) && p > 0 && a >= 0) out.push(a / p);
  }
  return out;
}

/** Empirical central interval of the ratios at `coverage`; `method` is recorded, not inferred. */
export function calibrateFromRatios(
  ratios: readonly number[],
  coverage: number,
  method: IntervalCalibration['method'],
): IntervalCalibration {
  if (!(coverage > 0 && coverage < 1)) throw new RangeError(`coverage ${coverage} is not in (0, 1)`);
  if (ratios.length === 0) return { coverage, ...DEFAULT_CALIBRATION, n: 0, method: 'default' };
  const sorted = [...ratios].sort((a, b) => a - b);
  const tail = (1 - coverage) / 2;
  return { coverage, lowRatio: quantile(sorted, tail), highRatio: quantile(sorted, 1 - tail), n: sorted.length, method };
}

/**
 * The interval for a point estimate. The bounds are widened to include the point itself, so
 * `low <= value <= high` always holds even when the residuals say the model is biased.
 */
export function applyInterval(value: number, cal: IntervalCalibration): Prediction {
  const low = value * cal.lowRatio;
  const high = value * cal.highRatio;
  return { value, low: Math.min(low, value), high: Math.max(high, value) };
}

/** Sorted by submit time (stable: ties keep input order); the older `fraction` first. */
export function timeOrderedSplit<T extends Pick<TrainingSample, 'at'>>(
  samples: readonly T[],
  fraction: number,
): { older: T[]; newer: T[] } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`fraction ${fraction} is not in (0, 1)`);
  const sorted = samples.map((s, i) => ({ s, i })).sort((a, b) => a.s.at - b.s.at || a.i - b.i).map((x) => x.s);
  const cut = Math.floor(sorted.length * fraction);
  return { older: sorted.slice(0, cut), newer: sorted.slice(cut) };
}

export interface CalibratedState<P> {
  point: P;
  interval: IntervalCalibration;
}

export interface CalibrationOptions {
  /** Nominal interval coverage. Default 0.8. */
  coverage?: number;
  /** Newest share of the training samples held out to measure residuals. Default 0.2. */
  holdOutFraction?: number;
}

/**
 * Fits a point model with a held-out interval: fit on the older samples, measure ratios on the
 * newer, then refit the point model on all samples (the interval keeps the held-out quantiles,
 * which are if anything slightly pessimistic for the refit).
 */
export function fitCalibrated<P>(
  samples: readonly TrainingSample[],
  fitPoint: (s: readonly TrainingSample[]) => P,
  predictPoint: (f: TrainingSample['features'], p: P) => number,
  opts: CalibrationOptions = {},
): CalibratedState<P> {
  const coverage = opts.coverage ?? 0.8;
  const { older, newer } = timeOrderedSplit(samples, 1 - (opts.holdOutFraction ?? 0.2));
  let interval: IntervalCalibration | null = null;
  if (older.length > 0 && newer.length >= MIN_HELD_OUT) {
    const p = fitPoint(older);
    const ratios = residualRatios(newer.map((s) => s.value), newer.map((s) => predictPoint(s.features, p)));
    if (ratios.length >= MIN_HELD_OUT) interval = calibrateFromRatios(ratios, coverage, 'held-out');
  }
  const point = fitPoint(samples);
  if (!interval) {
    const ratios = residualRatios(samples.map((s) => s.value), samples.map((s) => predictPoint(s.features, point)));
    interval = calibrateFromRatios(ratios, coverage, ratios.length > 0 ? 'in-sample' : 'default');
  }
  return { point, interval };
}
