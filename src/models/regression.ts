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
import { fitMedianPoint, type MedianPoint } from './median-baseline.js';
import {
  NUMERIC_FEATURES, numericFeature, type EstimationModel, type Features, type ModelTarget, type NumericFeature, type TrainingSample,
} from './model.js';
import { fitPerProcess, floorOf, predictPerProcess, usableFeatures } from './per-process.js';

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
  return { fits: fitPerProcess(samples, (list) => fitLine(list, candidates, minSamples)), median: fitMedianPoint(samples) };
}

function fitLine(list: TrainingSample[], candidates: readonly NumericFeature[], minSamples: number): LinearFit | null {
  const usable = usableFeatures(list, candidates);
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
    floor: floorOf(list),
    n: list.length,
  };
}

function evaluateLine(fit: LinearFit, f: Features): number | null {
  let y = fit.coefficients[fit.features.length];
  for (let i = 0; i < fit.features.length; i++) {
    const v = numericFeature(f, fit.features[i]);
    if (v === null) return null;
    y += fit.coefficients[i] * ((v - fit.mean[i]) / fit.scale[i]);
  }
  return Math.max(y, fit.floor);
}

export function predictRegressionPoint(f: Features, p: RegressionPoint): number {
  return predictPerProcess(f, p.fits, p.median, evaluateLine);
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
