/**
 * Per process, the point model that did best on the process's own recent past. Which model wins
 * differs by process (a tag says much about a metric's memory, little about a method's), so one
 * global choice leaves accuracy on the table.
 *
 * Fitting: the candidates are fitted on the older `1 − validationFraction` of the samples and
 * scored (MAPE, the metric champions are chosen by) on the newer rest. A process with at least
 * `minValidation` scored samples gets its own winner; every other process gets the winner over
 * the scored samples of processes the older part had seen (a process the older part never saw is
 * predicted alike by every candidate's fallback and says nothing about which is better). Ties go
 * to the earlier candidate, so list the simplest first. Then every candidate is refitted on all
 * samples. Only the training samples are used: nothing here looks at data the model is scored on.
 */
import { byTime, calibrated, type CalibratedState, type CalibrationOptions } from './intervals.js';
import { fitMedianPoint, predictMedianPoint } from './median-baseline.js';
import type { EstimationModel, Features, ModelTarget, TrainingSample } from './model.js';
import { fitTokenRidgePoint, predictTokenRidgePoint } from './token-ridge.js';

/** A point model without an interval: what the selector chooses among. */
export interface PointCandidate<P = unknown> {
  name: string;
  fit(samples: readonly TrainingSample[]): P;
  predict(features: Features, point: P): number;
}

export interface SelectorPoint {
  /** Candidate names, in order; `choice` and `fallback` index them. */
  candidates: string[];
  choice: Record<string, number>;
  fallback: number;
  points: unknown[];
}

export type SelectorState = CalibratedState<SelectorPoint>;

export interface SelectorOptions extends CalibrationOptions {
  target: ModelTarget;
  name?: string;
  /** Default: the per-process median, then the tag-token ridge. */
  candidates?: readonly PointCandidate<any>[];
  /** Newest share of the samples the candidates are scored on. Default 0.3. */
  validationFraction?: number;
  /** Scored samples a process needs for a choice of its own. Default 5. */
  minValidation?: number;
}

export const DEFAULT_CANDIDATES: readonly PointCandidate<any>[] = [
  { name: 'median', fit: (s) => fitMedianPoint(s), predict: predictMedianPoint },
  { name: 'tag-token-ridge', fit: (s) => fitTokenRidgePoint(s), predict: predictTokenRidgePoint },
];

export function fitSelectorPoint(
  samples: readonly TrainingSample[],
  candidates: readonly PointCandidate<any>[] = DEFAULT_CANDIDATES,
  validationFraction = 0.3,
  minValidation = 5,
): SelectorPoint {
  if (candidates.length === 0) throw new RangeError('the selector needs at least one candidate');
  const sorted = byTime(samples);
  const cut = Math.floor(sorted.length * (1 - validationFraction));
  const older = sorted.slice(0, cut);
  const choice: Record<string, number> = {};
  let fallback = 0;
  if (older.length > 0 && cut < sorted.length) {
    const fits = candidates.map((c) => c.fit(older));
    const seen = new Set(older.map((s) => s.features.process));
    const perProcess = new Map<string, { n: number; ape: number[] }>();
    const pooled = candidates.map(() => 0);
    let pooledN = 0;
    for (const s of sorted.slice(cut)) {
      if (!(s.value > 0) || !seen.has(s.features.process)) continue;
      const ape = candidates.map((c, i) => Math.abs(c.predict(s.features, fits[i]) - s.value) / s.value);
      let acc = perProcess.get(s.features.process);
      if (!acc) perProcess.set(s.features.process, (acc = { n: 0, ape: candidates.map(() => 0) }));
      acc.n++;
      ape.forEach((e, i) => {
        acc.ape[i] += e;
        pooled[i] += e;
      });
      pooledN++;
    }
    if (pooledN > 0) fallback = argmin(pooled);
    for (const [process, acc] of perProcess) if (acc.n >= minValidation) choice[process] = argmin(acc.ape);
  }
  return { candidates: candidates.map((c) => c.name), choice, fallback, points: candidates.map((c) => c.fit(samples)) };
}

export function predictSelectorPoint(f: Features, p: SelectorPoint, candidates: readonly PointCandidate<any>[] = DEFAULT_CANDIDATES): number {
  const i = Object.hasOwn(p.choice, f.process) ? p.choice[f.process] : p.fallback;
  return candidates[i].predict(f, p.points[i]);
}

export function processSelectorModel(opts: SelectorOptions): EstimationModel<SelectorState> {
  const candidates = opts.candidates ?? DEFAULT_CANDIDATES;
  const fitPoint = (s: readonly TrainingSample[]) => fitSelectorPoint(s, candidates, opts.validationFraction ?? 0.3, opts.minValidation ?? 5);
  const predictPoint = (f: Features, p: SelectorPoint) => predictSelectorPoint(f, p, candidates);
  return {
    name: opts.name ?? `process-selector:${opts.target}`,
    // 2: known/new-task interval strata; 3: new tasks' band spans arrived-new residuals too (intervals.ts)
    version: '3',
    target: opts.target,
    ...calibrated(fitPoint, predictPoint, opts),
  };
}

/** Index of the smallest; the first on ties. */
function argmin(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] < xs[best]) best = i;
  return best;
}
