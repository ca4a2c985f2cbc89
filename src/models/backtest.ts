/**
 * Time-ordered holdout: fit on the older share of the samples by submit time, score on the newer
 * rest. Reports what the Model table stores: MAPE, median APE, bias, interval coverage, n.
 */
import { quantile, timeOrderedSplit } from './intervals.js';
import type { EstimationModel, Prediction, TrainingSample } from './model.js';
import { fitState, predictOnce } from './model-call.js';

export interface BacktestResult {
  model: string;
  version: string;
  target: string;
  /** Scored (newer) samples. */
  n: number;
  nTrain: number;
  /** Mean |predicted − actual| / actual over scored samples with actual > 0 (a fraction: 0.25 = 25 %). */
  mape: number;
  medianApe: number;
  /** Σpredicted / Σactual − 1: + over-, − under-estimates the total (what a budget feels). */
  bias: number;
  /** Share of scored samples with low ≤ actual ≤ high. */
  coverage: number;
  /** Scored samples left out of the APEs because actual was 0. */
  zeroActuals: number;
  /** Milliseconds to fit and to predict every scored sample. */
  fitMs: number;
  predictMs: number;
}

export interface BacktestOptions {
  /** Older share used for training. Default 0.7. */
  trainFraction?: number;
}

export function backtest<S>(model: EstimationModel<S>, samples: readonly TrainingSample[], opts: BacktestOptions = {}): BacktestResult {
  const { older, newer } = timeOrderedSplit(samples, opts.trainFraction ?? 0.7);
  return evaluate(model, older, newer);
}

/** Fits on `older`, scores on `newer` (e.g. one run's tasks to quote the next run). */
export function evaluate<S>(model: EstimationModel<S>, older: readonly TrainingSample[], newer: readonly TrainingSample[]): BacktestResult {
  if (older.length === 0 || newer.length === 0) {
    throw new RangeError(`backtest needs samples on both sides of the split, got ${older.length} train / ${newer.length} test`);
  }
  const t0 = performance.now();
  // the state goes through JSON, as it will when stored, so a state that cannot be stored fails here
  const state = fitState(model, older);
  const t1 = performance.now();
  const preds = newer.map((s) => predictOnce(model, s.features, state));
  const t2 = performance.now();
  return {
    model: model.name,
    version: model.version,
    target: model.target,
    nTrain: older.length,
    ...scorePredictions(newer.map((s) => s.value), preds),
    fitMs: t1 - t0,
    predictMs: t2 - t1,
  };
}

/** The metrics of predictions against what happened (APEs skip actuals of 0, which `zeroActuals` counts). */
export function scorePredictions(
  actual: readonly number[],
  preds: readonly Prediction[],
): Pick<BacktestResult, 'n' | 'mape' | 'medianApe' | 'bias' | 'coverage' | 'zeroActuals'> {
  const apes: number[] = [];
  let covered = 0;
  let sumPred = 0;
  let sumActual = 0;
  let zeroActuals = 0;
  actual.forEach((a, i) => {
    const p = preds[i];
    if (a >= p.low && a <= p.high) covered++;
    sumPred += p.value;
    sumActual += a;
    if (a > 0) apes.push(Math.abs(p.value - a) / a);
    else zeroActuals++;
  });
  apes.sort((a, b) => a - b);
  return {
    n: actual.length,
    mape: apes.length ? apes.reduce((a, b) => a + b, 0) / apes.length : NaN,
    medianApe: apes.length ? quantile(apes, 0.5) : NaN,
    bias: sumActual > 0 ? sumPred / sumActual - 1 : NaN,
    coverage: covered / actual.length,
    zeroActuals,
  };
}
