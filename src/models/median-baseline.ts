/**
 * The baseline to beat: the median of past values of the process (optionally of the process and
 * the feature `group`, falling back to the process), else the median over all processes.
 */
import { calibrated, median, type CalibratedState, type CalibrationOptions } from './intervals.js';
import type { EstimationModel, Features, ModelTarget, TrainingSample } from './model.js';

export interface MedianPoint {
  /** Median over every sample; null only when fitted on nothing. */
  global: number | null;
  byProcess: Record<string, number>;
  /** Keyed `[process, group]` as JSON (a state is stored as jsonb, which refuses a NUL separator); only groups with at least `minGroupSamples`. */
  byGroup: Record<string, number>;
}

export type MedianState = CalibratedState<MedianPoint>;

export interface MedianBaselineOptions extends CalibrationOptions {
  target: ModelTarget;
  name?: string;
  /** Use `features.group` under the process when a group has this many samples. Default: off. */
  minGroupSamples?: number;
}

const groupKey = (f: Features) => JSON.stringify([f.process, f.group ?? '']);

export function fitMedianPoint(samples: readonly TrainingSample[], minGroupSamples = Infinity): MedianPoint {
  const byProcess = new Map<string, number[]>();
  const byGroup = new Map<string, number[]>();
  const all: number[] = [];
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    all.push(s.value);
    pushTo(byProcess, s.features.process, s.value);
    if (Number.isFinite(minGroupSamples) && s.features.group != null) pushTo(byGroup, groupKey(s.features), s.value);
  }
  const point: MedianPoint = { global: all.length ? median(all) : null, byProcess: {}, byGroup: {} };
  for (const [k, v] of byProcess) point.byProcess[k] = median(v);
  for (const [k, v] of byGroup) if (v.length >= minGroupSamples) point.byGroup[k] = median(v);
  return point;
}

export function predictMedianPoint(f: Features, p: MedianPoint): number {
  if (f.group != null) {
    const g = p.byGroup[groupKey(f)];
    if (g !== undefined) return g;
  }
  const v = Object.hasOwn(p.byProcess, f.process) ? p.byProcess[f.process] : p.global;
  if (v === null) throw new Error('the median baseline was fitted on no samples');
  return v;
}

export function medianBaseline(opts: MedianBaselineOptions): EstimationModel<MedianState> {
  const minGroup = opts.minGroupSamples ?? Infinity;
  return {
    name: opts.name ?? `median-baseline:${opts.target}`,
    // 2: rolling-origin, per-process intervals; 3: known/new-task strata; 4: new tasks' band spans arrived-new residuals too (intervals.ts)
    version: '4',
    target: opts.target,
    ...calibrated((s) => fitMedianPoint(s, minGroup), predictMedianPoint, opts),
  };
}

/** Appends v to the list under k, creating it. */
export function pushTo<K, V>(m: Map<K, V[]>, k: K, v: V) {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
