/**
 * The rule labs quote by: a rate per unit of work times the units, e.g. "$0.37 per GB of FASTQ" or
 * "$40 per sample" (the 4DN ATAC-seq benchmark in shared/fixtures states its costs this way).
 *
 * Per process (for run-level samples: the pipeline), the median of value / input bytes over samples
 * that have input bytes, and the median of value / sample count over those that have a sample count.
 * A prediction uses the per-byte rate when the features give input bytes, else the per-sample rate,
 * else the process's median value. Through the origin on purpose: with a handful of runs an
 * intercept is noise, and a run of nothing costs nothing to compute.
 */
import { calibrated, median, type CalibratedState, type CalibrationOptions } from './intervals.js';
import { fitMedianPoint, predictMedianPoint, pushTo, type MedianPoint } from './median-baseline.js';
import { numericFeature, type EstimationModel, type Features, type ModelTarget, type TrainingSample } from './model.js';

export interface UnitRates {
  perByte: number | null;
  perSample: number | null;
}

export interface UnitRatePoint {
  byProcess: Record<string, UnitRates>;
  median: MedianPoint;
}

export type UnitRateState = CalibratedState<UnitRatePoint>;

export interface UnitRateOptions extends CalibrationOptions {
  target: ModelTarget;
  name?: string;
  /** Samples with the unit a rate needs; fewer and that rate is not used (one run's rate is an anecdote). Default 2. */
  minSamples?: number;
}

export function fitUnitRatePoint(samples: readonly TrainingSample[], minSamples = 2): UnitRatePoint {
  const perByte = new Map<string, number[]>();
  const perSample = new Map<string, number[]>();
  for (const s of samples) {
    if (!Number.isFinite(s.value)) continue;
    const bytes = numericFeature(s.features, 'inputBytes');
    const count = numericFeature(s.features, 'sampleCount');
    if (bytes !== null && bytes > 0) pushTo(perByte, s.features.process, s.value / bytes);
    if (count !== null && count > 0) pushTo(perSample, s.features.process, s.value / count);
  }
  const rate = (m: Map<string, number[]>, process: string) => {
    const list = m.get(process);
    return list && list.length >= minSamples ? median(list) : null;
  };
  const byProcess: Record<string, UnitRates> = {};
  for (const process of new Set([...perByte.keys(), ...perSample.keys()])) {
    const rates = { perByte: rate(perByte, process), perSample: rate(perSample, process) };
    if (rates.perByte !== null || rates.perSample !== null) byProcess[process] = rates;
  }
  return { byProcess, median: fitMedianPoint(samples) };
}

export function predictUnitRatePoint(f: Features, p: UnitRatePoint): number {
  const rates = Object.hasOwn(p.byProcess, f.process) ? p.byProcess[f.process] : undefined;
  const bytes = numericFeature(f, 'inputBytes');
  const count = numericFeature(f, 'sampleCount');
  // 0 bytes or samples reads as "not known", as in the fit: a run of nothing is not quoted
  if (rates?.perByte != null && bytes !== null && bytes > 0) return rates.perByte * bytes;
  if (rates?.perSample != null && count !== null && count > 0) return rates.perSample * count;
  return predictMedianPoint(f, p.median);
}

export function unitRateModel(opts: UnitRateOptions): EstimationModel<UnitRateState> {
  const minSamples = opts.minSamples ?? 2;
  return {
    name: opts.name ?? `unit-rate:${opts.target}`,
    version: '1',
    target: opts.target,
    ...calibrated((s) => fitUnitRatePoint(s, minSamples), predictUnitRatePoint, opts),
  };
}
