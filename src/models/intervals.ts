/**
 * Prediction intervals from held-out residuals, shared by every built-in model.
 *
 * A model is fitted on older training samples and asked to predict newer ones; the ratios
 * actual / predicted on those held-out samples give empirical quantiles (for 80 %: the 10th and
 * 90th percentiles). A later prediction p gets [p × q_low, p × q_high]. Relative (multiplicative)
 * residuals because runtimes, memory and costs are positive and their errors scale with the value.
 *
 * The held-out residuals come from several time-ordered origins (rolling origin): the newest
 * `holdOutFraction` of the samples is cut into `folds` windows, and each window is predicted by a
 * fit on everything older than it. Real runs drift (later tasks are other datasets and methods), so
 * residuals from one short window right after one cut understate the errors of a later period;
 * several origins see more of that drift and give more residuals. A process with at least
 * `minGroupResiduals` residuals gets its own quantiles (a 2-hour method and a 10-second metric do
 * not err alike); the others use the pooled ones.
 *
 * Quantiles are split-conformal order statistics (see conformalHigh).
 *
 * Nothing here is a fixed ±%: with too few held-out residuals the in-sample ratios are used, and
 * only with none at all a wide default, and `method` says which.
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
  /** Per-process ratios for processes with enough held-out residuals; absent in states fitted before v2 intervals. */
  byProcess?: Record<string, ProcessCalibration>;
}

export interface ProcessCalibration {
  lowRatio: number;
  highRatio: number;
  n: number;
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

/** Central interval of the ratios at `coverage` (conformal order statistics); `method` is recorded, not inferred. */
export function calibrateFromRatios(
  ratios: readonly number[],
  coverage: number,
  method: IntervalCalibration['method'],
): IntervalCalibration {
  if (!(coverage > 0 && coverage < 1)) throw new RangeError(`coverage ${coverage} is not in (0, 1)`);
  if (ratios.length === 0) return { coverage, ...DEFAULT_CALIBRATION, n: 0, method: 'default' };
  const sorted = [...ratios].sort((a, b) => a - b);
  const tail = (1 - coverage) / 2;
  return { coverage, lowRatio: conformalLow(sorted, tail), highRatio: conformalHigh(sorted, 1 - tail), n: sorted.length, method };
}

/*
 * Split-conformal order statistics: the ⌈(n + 1)q⌉-th smallest for an upper bound and the
 * ⌊(n + 1)q⌋-th for a lower one (clamped to the sample). A new exchangeable residual then falls
 * below the upper bound with probability ≥ q. Interpolated quantiles of a few residuals sit inside
 * the sample's range and cover less than nominal; per-process calibration often has only ~20.
 */
// the epsilon keeps (1 − 0.8) / 2 = 0.09999999999999998 from moving an exact rank by one
const RANK_EPSILON = 1e-9;

function conformalHigh(sorted: readonly number[], q: number): number {
  const k = Math.ceil((sorted.length + 1) * q - RANK_EPSILON);
  return sorted[Math.min(Math.max(k, 1), sorted.length) - 1];
}

function conformalLow(sorted: readonly number[], q: number): number {
  const k = Math.floor((sorted.length + 1) * q + RANK_EPSILON);
  return sorted[Math.min(Math.max(k, 1), sorted.length) - 1];
}

/**
 * The interval for a point estimate, with the process's own ratios when it has them. The bounds
 * are widened to include the point itself, so `low <= value <= high` always holds even when the
 * residuals say the model is biased.
 */
export function applyInterval(value: number, cal: IntervalCalibration, process?: string): Prediction {
  const own = process !== undefined && cal.byProcess && Object.hasOwn(cal.byProcess, process) ? cal.byProcess[process] : cal;
  const low = value * own.lowRatio;
  const high = value * own.highRatio;
  return { value, low: Math.min(low, value), high: Math.max(high, value) };
}

/** Sorted by submit time; ties keep input order. */
export function byTime<T extends Pick<TrainingSample, 'at'>>(samples: readonly T[]): T[] {
  return samples.map((s, i) => ({ s, i })).sort((a, b) => a.s.at - b.s.at || a.i - b.i).map((x) => x.s);
}

/** Sorted by submit time (stable: ties keep input order); the older `fraction` first. */
export function timeOrderedSplit<T extends Pick<TrainingSample, 'at'>>(
  samples: readonly T[],
  fraction: number,
): { older: T[]; newer: T[] } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`fraction ${fraction} is not in (0, 1)`);
  const sorted = byTime(samples);
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
  /** Newest share of the training samples whose residuals are measured. Default 0.3. */
  holdOutFraction?: number;
  /** Time-ordered windows that share of the samples is cut into, each predicted by a fit on all older samples. Default 3. */
  folds?: number;
  /** A process with at least this many held-out residuals gets its own quantiles. Default 20. */
  minGroupResiduals?: number;
}

/**
 * Fits a point model with a held-out interval: rolling-origin residuals over the newest samples
 * (see the file comment), then the point model refitted on all samples. The interval keeps the
 * held-out quantiles, which are if anything slightly pessimistic for the refit.
 */
export function fitCalibrated<P>(
  samples: readonly TrainingSample[],
  fitPoint: (s: readonly TrainingSample[]) => P,
  predictPoint: (f: TrainingSample['features'], p: P) => number,
  opts: CalibrationOptions = {},
): CalibratedState<P> {
  const coverage = opts.coverage ?? 0.8;
  const held = heldOutRatios(samples, fitPoint, predictPoint, opts.holdOutFraction ?? 0.3, opts.folds ?? 3);
  let interval: IntervalCalibration;
  if (held.all.length >= MIN_HELD_OUT) {
    interval = calibrateFromRatios(held.all, coverage, 'held-out');
    const minGroup = opts.minGroupResiduals ?? 20;
    const byProcess: Record<string, ProcessCalibration> = {};
    for (const [process, ratios] of held.byProcess) {
      if (ratios.length < minGroup) continue;
      const { lowRatio, highRatio, n } = calibrateFromRatios(ratios, coverage, 'held-out');
      byProcess[process] = { lowRatio, highRatio, n };
    }
    if (Object.keys(byProcess).length > 0) interval.byProcess = byProcess;
  }
  const point = fitPoint(samples);
  interval ??= inSample(samples, point, predictPoint, coverage);
  return { point, interval };
}

function inSample<P>(
  samples: readonly TrainingSample[],
  point: P,
  predictPoint: (f: TrainingSample['features'], p: P) => number,
  coverage: number,
): IntervalCalibration {
  const ratios = residualRatios(samples.map((s) => s.value), samples.map((s) => predictPoint(s.features, point)));
  return calibrateFromRatios(ratios, coverage, ratios.length > 0 ? 'in-sample' : 'default');
}

/** Ratios actual / predicted over `folds` windows of the newest `fraction`, each window predicted by a fit on all older samples. */
export function heldOutRatios<P>(
  samples: readonly TrainingSample[],
  fitPoint: (s: readonly TrainingSample[]) => P,
  predictPoint: (f: TrainingSample['features'], p: P) => number,
  fraction: number,
  folds: number,
): { all: number[]; byProcess: Map<string, number[]> } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`holdOutFraction ${fraction} is not in (0, 1)`);
  if (!(Number.isInteger(folds) && folds >= 1)) throw new RangeError(`folds ${folds} is not a positive integer`);
  const sorted = byTime(samples);
  const n = sorted.length;
  const all: number[] = [];
  const byProcess = new Map<string, number[]>();
  for (let k = folds - 1; k >= 0; k--) {
    const start = Math.floor(n * (1 - (fraction * (k + 1)) / folds));
    const end = Math.floor(n * (1 - (fraction * k) / folds));
    if (start <= 0 || end <= start) continue;
    const window = sorted.slice(start, end);
    const p = fitPoint(sorted.slice(0, start));
    for (const s of window) {
      const [r] = residualRatios([s.value], [predictPoint(s.features, p)]);
      if (r === undefined) continue;
      all.push(r);
      const list = byProcess.get(s.features.process);
      if (list) list.push(r);
      else byProcess.set(s.features.process, [r]);
    }
  }
  return { all, byProcess };
}
