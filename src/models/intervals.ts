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
 * Mondrian on novelty (v3): a task whose tag has a word the fit never saw with its process (a new
 * dataset or method; a quote, which has no tag) errs unlike a familiar one, and the newer tasks of
 * a run are mostly such. Known tasks get quantiles of the rolling-origin residuals of tasks that
 * were known to their fit. New ones get the widest of two bands (v4): quantiles of leave-words-out
 * residuals (novelty.ts), where each task's word was withheld from the fit on purpose, and those of
 * the rolling-origin residuals of tasks that really were new when they arrived. Each misses what
 * the other sees: withholding a word measures how far any one dataset or method sits from the rest
 * but not how later arrivals drift (on the openproblems traces, datasets added late in a run were
 * ~2× faster than the earlier ones); the tasks that arrived new show that drift but are few, from
 * two or three datasets per window. Which kind of error a new task will meet is not known when it
 * is quoted, so its interval covers both. Each band is per process when the process has
 * `minGroupResiduals` residuals in it, else pooled over processes.
 *
 * Nothing here is a fixed ±%: with too few held-out residuals the in-sample ratios are used, and
 * only with none at all a wide default, and `method` says which.
 */
import type { EstimationModel, Features, Prediction, TrainingSample } from './model.js';
import { isKnown, leaveWordsOutRatios, vocabularyOf, vocabularySets, type Vocabulary } from './novelty.js';

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
  /**
   * For tasks new to the fit (see isKnown): the widest of the leave-words-out and the arrived-new
   * rolling-origin ratios (v4; leave-words-out alone in v3). With it, the ratios above are those of
   * known tasks only. Absent before v3 intervals and when neither source has `MIN_HELD_OUT`
   * residuals; then every task gets the ratios above.
   */
  novel?: ProcessCalibration & { byProcess?: Record<string, ProcessCalibration> };
  /** The words each process's tags carried in the fitted samples: what makes a task known. Set with `novel`. */
  words?: Vocabulary;
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
 * The interval for a point estimate: the novel or known stratum of the task, and within it the
 * process's own ratios when it has them. The bounds are widened to include the point itself, so
 * `low <= value <= high` always holds even when the residuals say the model is biased.
 */
export function applyInterval(value: number, cal: IntervalCalibration, task?: Pick<Features, 'process' | 'tag'>): Prediction {
  const stratum = cal.novel && cal.words && task && !isKnown(task, wordSets(cal.words)) ? cal.novel : cal;
  const process = task?.process;
  const own = process !== undefined && stratum.byProcess && Object.hasOwn(stratum.byProcess, process) ? stratum.byProcess[process] : stratum;
  const low = value * own.lowRatio;
  const high = value * own.highRatio;
  return { value, low: Math.min(low, value), high: Math.max(high, value) };
}

// a state is parsed once and predicts many tasks; its word lists become sets once
const wordSetCache = new WeakMap<Vocabulary, Map<string, Set<string>>>();
function wordSets(words: Vocabulary): Map<string, Set<string>> {
  let sets = wordSetCache.get(words);
  if (!sets) wordSetCache.set(words, (sets = vocabularySets(words)));
  return sets;
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
  /** A process with at least this many held-out residuals (in a stratum) gets its own quantiles. Default 20. */
  minGroupResiduals?: number;
  /** Groups the withheld words are cut into for the novel stratum's residuals; 0 turns the stratum off. Default 5. */
  wordFolds?: number;
}

/**
 * Fits a point model with a held-out interval: rolling-origin residuals over the newest samples,
 * split by novelty with leave-words-out residuals for new tasks (see the file comment), then the
 * point model refitted on all samples. The interval keeps the held-out quantiles, which are if
 * anything slightly pessimistic for the refit.
 */
export function fitCalibrated<P>(
  samples: readonly TrainingSample[],
  fitPoint: (s: readonly TrainingSample[]) => P,
  predictPoint: (f: TrainingSample['features'], p: P) => number,
  opts: CalibrationOptions = {},
): CalibratedState<P> {
  const coverage = opts.coverage ?? 0.8;
  const minGroup = opts.minGroupResiduals ?? 20;
  const wordFolds = opts.wordFolds ?? 5;
  const rolling = rollingResiduals(samples, fitPoint, predictPoint, opts.holdOutFraction ?? 0.3, opts.folds ?? 3);
  const known = rolling.filter((r) => r.known);
  const novelSources = wordFolds > 0 ? [leaveWordsOutRatios(samples, fitPoint, predictPoint, wordFolds), rolling.filter((r) => !r.known)] : [];
  const novelBands = novelSources.filter((r) => r.length >= MIN_HELD_OUT).map((r) => stratum(r, coverage, minGroup));
  let interval: IntervalCalibration | undefined;
  if (novelBands.length > 0 && known.length >= MIN_HELD_OUT) {
    interval = stratum(known, coverage, minGroup);
    interval.novel = novelBands.slice(1).reduce<Band>(widest, novelBands[0]);
    interval.words = vocabularyOf(samples);
  } else if (rolling.length >= MIN_HELD_OUT) {
    interval = stratum(rolling, coverage, minGroup);
  }
  const point = fitPoint(samples);
  interval ??= inSample(samples, point, predictPoint, coverage);
  return { point, interval };
}

/**
 * The fit and predict of a model made of a point model and held-out intervals: fitCalibrated, and the
 * point times the interval's ratios for the task (applyInterval). What every built-in shares.
 */
export function calibrated<P>(
  fitPoint: (s: readonly TrainingSample[]) => P,
  predictPoint: (f: Features, p: P) => number,
  opts: CalibrationOptions = {},
): Pick<EstimationModel<CalibratedState<P>>, 'fit' | 'predict'> {
  return {
    fit: (samples) => fitCalibrated(samples, fitPoint, predictPoint, opts),
    predict: (features, state) => applyInterval(predictPoint(features, state.point), state.interval, features),
  };
}

/** Pooled ratios of one stratum, and a process's own where it has `minGroup` residuals. */
function stratum(residuals: readonly { process: string; ratio: number }[], coverage: number, minGroup: number): IntervalCalibration {
  const interval = calibrateFromRatios(residuals.map((r) => r.ratio), coverage, 'held-out');
  const grouped = new Map<string, number[]>();
  for (const { process, ratio } of residuals) {
    const list = grouped.get(process);
    if (list) list.push(ratio);
    else grouped.set(process, [ratio]);
  }
  const byProcess: Record<string, ProcessCalibration> = {};
  for (const [process, ratios] of grouped) {
    if (ratios.length < minGroup) continue;
    const { lowRatio, highRatio, n } = calibrateFromRatios(ratios, coverage, 'held-out');
    byProcess[process] = { lowRatio, highRatio, n };
  }
  if (Object.keys(byProcess).length > 0) interval.byProcess = byProcess;
  return interval;
}

type Band = ProcessCalibration & { byProcess?: Record<string, ProcessCalibration> };

/**
 * The band that contains both, pooled and per process; a process with ratios of its own in only
 * one band is compared with the other band's pooled ratios, which is what that band gives it.
 */
export function widest(a: Band, b: Band): Band {
  const span = (x: ProcessCalibration, y: ProcessCalibration): ProcessCalibration => ({
    lowRatio: Math.min(x.lowRatio, y.lowRatio),
    highRatio: Math.max(x.highRatio, y.highRatio),
    n: x.n + y.n,
  });
  const out: Band = span(a, b);
  const processes = new Set([...Object.keys(a.byProcess ?? {}), ...Object.keys(b.byProcess ?? {})]);
  if (processes.size > 0) {
    out.byProcess = {};
    for (const p of processes) out.byProcess[p] = span(a.byProcess?.[p] ?? a, b.byProcess?.[p] ?? b);
  }
  return out;
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
  const all: number[] = [];
  const byProcess = new Map<string, number[]>();
  for (const { process, ratio } of rollingResiduals(samples, fitPoint, predictPoint, fraction, folds)) {
    all.push(ratio);
    const list = byProcess.get(process);
    if (list) list.push(ratio);
    else byProcess.set(process, [ratio]);
  }
  return { all, byProcess };
}

/** The rolling-origin residuals in time order, each saying whether its task was known to the fit that predicted it. */
function rollingResiduals<P>(
  samples: readonly TrainingSample[],
  fitPoint: (s: readonly TrainingSample[]) => P,
  predictPoint: (f: TrainingSample['features'], p: P) => number,
  fraction: number,
  folds: number,
): { process: string; ratio: number; known: boolean }[] {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`holdOutFraction ${fraction} is not in (0, 1)`);
  if (!(Number.isInteger(folds) && folds >= 1)) throw new RangeError(`folds ${folds} is not a positive integer`);
  const sorted = byTime(samples);
  const n = sorted.length;
  const out: { process: string; ratio: number; known: boolean }[] = [];
  for (let k = folds - 1; k >= 0; k--) {
    const start = Math.floor(n * (1 - (fraction * (k + 1)) / folds));
    const end = Math.floor(n * (1 - (fraction * k) / folds));
    if (start <= 0 || end <= start) continue;
    const older = sorted.slice(0, start);
    const p = fitPoint(older);
    const seen = vocabularySets(vocabularyOf(older));
    for (const s of sorted.slice(start, end)) {
      const [ratio] = residualRatios([s.value], [predictPoint(s.features, p)]);
      if (ratio !== undefined) out.push({ process: s.features.process, ratio, known: isKnown(s.features, seen) });
    }
  }
  return out;
}
