/**
 * Per-process regressions of the target on ONE numeric feature, in three families from
 * ml-regression: a straight line by least squares (SimpleLinearRegression), a quadratic
 * (PolynomialRegression, degree 2) and a line by Theil–Sen (TheilSenRegression: the median of the
 * pairwise slopes, so a few retried tasks with huge runtimes do not tilt it as they tilt least
 * squares). Each competes with the others; the backtest and the champion rule decide.
 *
 * The feature: of the task's inputs (INPUT_FEATURES) present in every sample of the process with
 * some spread, the one whose fit (of this family) leaves the smallest in-sample loss: squared
 * residuals for the least-squares families, the median absolute residual for Theil–Sen (a squared
 * loss would let the very outliers it ignores pick its feature). Ties keep INPUT_FEATURES order.
 * Not a fixed priority: traces often lack input bytes, and a process whose runtime follows its
 * requested memory would otherwise be fitted on a feature that says nothing about it. Choosing one
 * of four features for a one-slope fit costs little overfit, and the held-out residuals of the
 * intervals are measured on fits that made the choice on older data only. `position` (submit
 * order) and `attempt` are left out by default: a trend in submit order does not carry over to a
 * quote for another run, and on the shipped traces (which have only position) a quadratic in it
 * took champion on one process's inner holdout and then missed its newer tasks by 13× (bench).
 *
 * Shared with regression.ts (per-process.ts): too little history, no usable feature or a failed
 * fit → the process's median; a task without the chosen feature → the median; predictions floored
 * at the smallest value the process has shown. The quadratic is also capped (see ceilingFactor),
 * because beyond the inputs it has seen it grows (or turns) without limit. The feature is
 * standardised before the fit (a squared byte count, ~1e18, leaves the normal equations
 * ill-conditioned) and the state keeps the coefficients as plain numbers, so it is JSON.
 */
import { PolynomialRegression, SimpleLinearRegression, TheilSenRegression } from 'ml-regression';
import { calibrated, median, type CalibratedState, type CalibrationOptions } from './intervals.js';
import { fitMedianPoint, type MedianPoint } from './median-baseline.js';
import {
  numericFeature, type EstimationModel, type Features, type ModelTarget, type NumericFeature, type TrainingSample,
} from './model.js';
import { ceilingOf, fitPerProcess, floorOf, predictPerProcess, usableFeatures } from './per-process.js';

export type CurveFamily = 'simple' | 'polynomial' | 'robust';

/** What the issue names as a process's inputs, in the order ties are broken: input bytes, requested resources, sample count. */
export const INPUT_FEATURES: readonly NumericFeature[] = ['inputBytes', 'cpus', 'memoryBytes', 'sampleCount'];

export interface CurveFit {
  feature: NumericFeature;
  /** The fit is on z = (x − mean) / scale. */
  mean: number;
  scale: number;
  /** Of z⁰, z¹ (, z²). */
  coefficients: number[];
  floor: number;
  /** Largest prediction; null for the lines, which extrapolate linearly like regression.ts's. */
  ceiling: number | null;
  n: number;
}

export interface CurvePoint {
  /** Per process; absent processes use the median. */
  fits: Record<string, CurveFit>;
  median: MedianPoint;
}

export type CurveState = CalibratedState<CurvePoint>;

export interface SingleFeatureOptions extends CalibrationOptions {
  target: ModelTarget;
  family: CurveFamily;
  name?: string;
  /** Candidate features, default INPUT_FEATURES; ties go to the earlier. */
  features?: readonly NumericFeature[];
  /** A process needs at least max(minSamples, 5 × coefficients) samples for a curve. Default 10. */
  minSamples?: number;
  /**
   * Polynomial only: predictions are capped at this × the largest value the process has shown.
   * Default 2: a task may run up to twice as long (or as big) as any seen, not the 4× a quadratic
   * gives at twice the largest input, nor the 100× it gives at ten times. Must be ≥ 1.
   */
  ceilingFactor?: number;
  /**
   * Robust only: Theil–Sen takes every pair of points (n² slopes); a process with more samples is
   * fitted on this many, evenly spaced in arrival order. The loss that picks the feature still
   * uses all samples. Default 300 (~45,000 slopes).
   */
  maxRobustPoints?: number;
}

interface Family {
  prefix: string;
  degree: number;
  /** Coefficients of z⁰ … z^degree. */
  fit(z: number[], y: number[]): number[];
  loss(residuals: number[]): number;
}

const squares = (r: number[]) => r.reduce((a, e) => a + e * e, 0);
const medianAbsolute = (r: number[]) => median(r.map(Math.abs));

const FAMILIES: Record<CurveFamily, Family> = {
  simple: {
    prefix: 'simple-regression',
    degree: 1,
    fit: (z, y) => {
      const r = new SimpleLinearRegression(z, y);
      return [r.intercept, r.slope];
    },
    loss: squares,
  },
  polynomial: {
    prefix: 'polynomial-regression',
    degree: 2,
    // degree as a number: powers 0, 1, 2 in that order
    fit: (z, y) => [...new PolynomialRegression(z, y, 2).coefficients],
    loss: squares,
  },
  robust: {
    prefix: 'robust-regression',
    degree: 1,
    fit: (z, y) => {
      const r = new TheilSenRegression(z, y);
      return [r.intercept, r.slope];
    },
    loss: medianAbsolute,
  },
};

const polynomialAt = (coefficients: readonly number[], z: number) => coefficients.reduceRight((acc, c) => acc * z + c, 0);

interface FitSettings {
  family: Family;
  candidates: readonly NumericFeature[];
  minSamples: number;
  ceilingFactor: number;
  maxPoints: number;
}

function fitCurvePoint(samples: readonly TrainingSample[], settings: FitSettings): CurvePoint {
  return { fits: fitPerProcess(samples, (list) => fitCurve(list, settings)), median: fitMedianPoint(samples) };
}

function fitCurve(list: TrainingSample[], s: FitSettings): CurveFit | null {
  const { family } = s;
  if (list.length < Math.max(s.minSamples, 5 * (family.degree + 1))) return null;
  const y = list.map((t) => t.value);
  const subset = evenlySpaced(list.length, s.maxPoints);
  let best: { fit: CurveFit; loss: number } | null = null;
  for (const u of usableFeatures(list, s.candidates)) {
    const z = list.map((t) => (numericFeature(t.features, u.key)! - u.mean) / u.scale);
    // a quadratic through two distinct inputs is not determined
    if (new Set(z).size <= family.degree) continue;
    let coefficients: number[];
    try {
      coefficients = subset ? family.fit(subset.map((i) => z[i]), subset.map((i) => y[i])) : family.fit(z, y);
    } catch {
      continue;
    }
    if (coefficients.length !== family.degree + 1 || !coefficients.every(Number.isFinite)) continue;
    const loss = family.loss(z.map((zi, i) => y[i] - polynomialAt(coefficients, zi)));
    if (!Number.isFinite(loss) || (best && loss >= best.loss)) continue;
    best = {
      loss,
      fit: {
        feature: u.key,
        mean: u.mean,
        scale: u.scale,
        coefficients,
        floor: floorOf(list),
        ceiling: family.degree > 1 ? s.ceilingFactor * ceilingOf(list) : null,
        n: list.length,
      },
    };
  }
  return best?.fit ?? null;
}

/** Indices of `max` points spread evenly over `n`, or null when all fit. */
function evenlySpaced(n: number, max: number): number[] | null {
  if (n <= max) return null;
  return Array.from({ length: max }, (_, i) => Math.floor((i * n) / max));
}

function evaluateCurve(fit: CurveFit, f: Features): number | null {
  const x = numericFeature(f, fit.feature);
  if (x === null) return null;
  const y = Math.max(polynomialAt(fit.coefficients, (x - fit.mean) / fit.scale), fit.floor);
  return fit.ceiling === null ? y : Math.min(y, fit.ceiling);
}

export function predictCurvePoint(f: Features, p: CurvePoint): number {
  return predictPerProcess(f, p.fits, p.median, evaluateCurve);
}

export function singleFeatureModel(opts: SingleFeatureOptions): EstimationModel<CurveState> {
  const family = FAMILIES[opts.family];
  if (!family) throw new RangeError(`unknown regression family ${JSON.stringify(opts.family)}; expected one of ${Object.keys(FAMILIES).join(', ')}`);
  const ceilingFactor = opts.ceilingFactor ?? 2;
  if (!(ceilingFactor >= 1 && Number.isFinite(ceilingFactor))) throw new RangeError(`ceilingFactor must be a finite number ≥ 1, got ${ceilingFactor}`);
  const maxPoints = opts.maxRobustPoints ?? 300;
  if (!(Number.isInteger(maxPoints) && maxPoints >= 2)) throw new RangeError(`maxRobustPoints must be an integer ≥ 2, got ${maxPoints}`);
  const settings: FitSettings = {
    family,
    candidates: opts.features ?? INPUT_FEATURES,
    minSamples: opts.minSamples ?? 10,
    ceilingFactor,
    maxPoints: opts.family === 'robust' ? maxPoints : Infinity,
  };
  return {
    name: opts.name ?? `${family.prefix}:${opts.target}`,
    version: '1',
    target: opts.target,
    ...calibrated((s) => fitCurvePoint(s, settings), predictCurvePoint, opts),
  };
}
