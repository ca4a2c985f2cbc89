import { toDecimalString } from '../models/price-sheet.js';
import type { Quote } from '../services/estimates.js';
import type { Estimate } from './estimate.js';

/** Estimates are floats from the models; the API renders them as fixed-place decimals (no float noise). */
const dec = (n: number) => toDecimalString(n, 6);

export function toEstimate(q: Quote): Estimate {
  return {
    value: dec(q.value),
    low: dec(q.low),
    high: dec(q.high),
    currency: q.currency,
    basis: q.basis,
    note: q.note,
    intervalMethod: q.intervalMethod,
    model: q.model,
    processes: q.processes.map((p) => ({ ...p, value: dec(p.value), low: dec(p.low), high: dec(p.high) })),
    priceRegion: q.priceRegion,
    regionFallback: q.regionFallback,
    priorityFallback: q.priorityFallback,
    trackRecord: q.trackRecord,
    runModel: q.runModel && { ...q.runModel, value: dec(q.runModel.value), low: dec(q.runModel.low), high: dec(q.runModel.high) },
  };
}
