/**
 * Per-process ordinary least squares (ml-regression's MultivariateLinearRegression, with an
 * intercept) of the target on the numeric features that are present and vary within the
 * process's history, e.g. runtime = a × inputBytes + b. Features are standardised before the
 * fit (bytes are ~1e9, attempts ~1), and the coefficients are stored in plain numbers so the
 * state is JSON. A process with too little history, no usable feature, or a failed fit falls
 * back to its median; so does a prediction whose features lack one the process's fit needs.
 * Predictions are floored at the smallest value the process has shown, because a line
 * extrapolated below the observed minimum is not a runtime or a memory size.
 */
import { MultivariateLinearRegression } from 'ml-regression';
import { calibrated, type CalibratedState, type CalibrationOptions } from './intervals.js';
import { fitMedianPoint, predictMedianPoint, type MedianPoint } from './median-baseline.js';
import {
  NUMERIC_FEATURES, numericFeature, type EstimationModel, type Features, type ModelTarget, type NumericFeature, type TrainingSample,
} from './model.js';

export interface LinearFit {
  features: NumericFeature[];
  mean: number[];
  scale: number[];
  /** One per feature (on the standardised scale), then the intercept. */
  coefficients: number[];
  floor: number;
  n: number;
}

export interface RegressionPoint {
  /** Per process; absent processes use the median. */
  fits: Record<string, LinearFit>;
  median: MedianPoint;
}

export type RegressionState = CalibratedState<RegressionPoint>;

export interface RegressionOptions extends CalibrationOptions {
  target: ModelTarget;
  name?: string;
  /** Candidate features, default all numeric ones. */
  features?: readonly NumericFeature[];
  /** A process needs at least max(minSamples, 5 × (features + 1)) samples for a line. Default 10. */
  minSamples?: number;
}

export function fitRegressionPoint(
  samples: readonly TrainingSample[],
  candidates: readonly NumericFeature[] = NUMERIC_FEATURES,
  minSamples = 10,
): RegressionPoint {
  const byProcess = new Map<string, TrainingSample[]>();
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    const list = byProcess.get(s.features.process);
    if (list) list.push(s);
    else byProcess.set(s.features.process, [s]);
  }
  const fits: Record<string, LinearFit> = {};
  for (const [process, list] of byProcess) {
    const fit = fitLine(list, candidates, minSamples);
    if (fit) fits[process] = fit;
  }
  return { fits, median: fitMedianPoint(samples) };
}

function fitLine(list: TrainingSample[], candidates: readonly NumericFeature[], minSamples: number): LinearFit | null {
  // features present in every sample of the process, with some spread
  const usable: { key: NumericFeature; mean: number; scale: number }[] = [];
  for (const key of candidates) {
    const xs = list.map((s) => numericFeature(s.features, key));
    if (xs.some((x) => x === null)) continue;
    const vals = xs as number[];
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
    if (sd > 0 && Number.isFinite(sd)) usable.push({ key, mean, scale: sd });
  }
  if (usable.length === 0 || list.length < Math.max(minSamples, 5 * (usable.length + 1))) return null;
  const x = list.map((s) => usable.map((u) => (numericFeature(s.features, u.key)! - u.mean) / u.scale));
  const y = list.map((s) => [s.value]);
  let weights: number[][];
  try {
    weights = new MultivariateLinearRegression(x, y, { intercept: true, statistics: false }).weights;
  } catch {
    return null;
  }
  const coefficients = weights.map((row) => row[0]);
  if (coefficients.length !== usable.length + 1 || !coefficients.every(Number.isFinite)) return null;
  return {
    features: usable.map((u) => u.key),
    mean: usable.map((u) => u.mean),
    scale: usable.map((u) => u.scale),
    coefficients,
    floor: Math.min(...list.map((s) => s.value)),
    n: list.length,
  };
}

export function predictRegressionPoint(f: Features, p: RegressionPoint): number {
  const fit = Object.hasOwn(p.fits, f.process) ? p.fits[f.process] : undefined;
  if (fit) {
    let y = fit.coefficients[fit.features.length];
    let complete = true;
    for (let i = 0; i < fit.features.length; i++) {
      const v = numericFeature(f, fit.features[i]);
      if (v === null) {
        complete = false;
        break;
      }
      y += fit.coefficients[i] * ((v - fit.mean[i]) / fit.scale[i]);
    }
    if (complete) return Math.max(y, fit.floor);
  }
  return predictMedianPoint(f, p.median);
}

export function regressionModel(opts: RegressionOptions): EstimationModel<RegressionState> {
  const candidates = opts.features ?? NUMERIC_FEATURES;
  const minSamples = opts.minSamples ?? 10;
  return {
    name: opts.name ?? `linear-regression:${opts.target}`,
    // 2: rolling-origin, per-process intervals; 3: known/new-task strata; 4: new tasks' band spans arrived-new residuals too (intervals.ts)
    version: '4',
    target: opts.target,
    ...calibrated((s) => fitRegressionPoint(s, candidates, minSamples), predictRegressionPoint, opts),
  };
}
