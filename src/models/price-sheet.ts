/**
 * The deterministic rule (the one Seqera and OpenCost use): a task pays for the share of its VM it
 * holds, the larger of its cpu share and its memory share, for as long as it ran:
 *
 *   cost = pricePerHour × max(cpus / vm.vcpus, memory / vm.memory) × (completed − started) hours
 *
 * Needs no history. Returns a JS number (in the price's currency), not a decimal string: the
 * result is an estimate built from a ratio of resources and a duration in ms, so there is no
 * exact decimal to preserve, and callers sum, compare and backtest it as a number. Exact money
 * (bills, sums) stays in Postgres `numeric`; when an estimate is stored, `toDecimalString`
 * renders it with a fixed number of places so no float noise (0.30000000000000004) reaches the DB.
 */
import type { EstimationModel, Prediction, VmPrice } from './model.js';

export interface TaskResources {
  /** Requested cpus; null means Nextflow's default of 1. */
  cpus: number | null;
  /** Requested memory in bytes; null means no memory request (the cpu share alone decides). */
  memoryBytes: number | null;
  startedAt: Date | number;
  completedAt: Date | number;
}

const GIB = 1024 ** 3;
const MS_PER_HOUR = 3_600_000;

/** max(cpu share, memory share) of the VM; throws when the task cannot fit on it. */
export function vmShare(task: Pick<TaskResources, 'cpus' | 'memoryBytes'>, vm: Omit<VmPrice, 'pricePerHour'>): number {
  if (!(vm.vcpus > 0) || !(vm.memoryGib > 0)) throw new RangeError(`VM must have positive vcpus and memory, got ${vm.vcpus} vCPUs, ${vm.memoryGib} GiB`);
  const cpus = task.cpus ?? 1;
  if (!(cpus >= 0) || (task.memoryBytes !== null && !(task.memoryBytes >= 0))) {
    throw new RangeError(`task resources must be non-negative, got cpus ${task.cpus}, memory ${task.memoryBytes}`);
  }
  const share = Math.max(cpus / vm.vcpus, (task.memoryBytes ?? 0) / (vm.memoryGib * GIB));
  if (share > 1 + 1e-9) {
    throw new RangeError(`task (${cpus} cpus, ${task.memoryBytes ?? 0} bytes) does not fit a VM of ${vm.vcpus} vCPUs / ${vm.memoryGib} GiB`);
  }
  return share;
}

export function parsePrice(price: number | string): number {
  const p = typeof price === 'number' ? price : Number(price);
  if (!Number.isFinite(p) || p < 0 || (typeof price === 'string' && price.trim() === '')) {
    throw new RangeError(`price per hour must be a non-negative number, got ${JSON.stringify(price)}`);
  }
  return p;
}

/** Cost of one task on one VM, in the VM price's currency (see the file comment for why a number). */
export function priceTask(task: TaskResources, vm: VmPrice): number {
  const ms = +task.completedAt - +task.startedAt;
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`task completed before it started (or a time is invalid): ${ms} ms`);
  return priceDuration(task, vm, ms);
}

/** The same rule for a duration in ms (a predicted runtime). */
export function priceDuration(task: Pick<TaskResources, 'cpus' | 'memoryBytes'>, vm: VmPrice, durationMs: number): number {
  if (!Number.isFinite(durationMs) || durationMs < 0) throw new RangeError(`duration must be a non-negative number of ms, got ${durationMs}`);
  return parsePrice(vm.pricePerHour) * vmShare(task, vm) * (durationMs / MS_PER_HOUR);
}

/** Prices a runtime prediction: the rule is monotone in time, so the interval maps through. */
export function pricePrediction(task: Pick<TaskResources, 'cpus' | 'memoryBytes'>, vm: VmPrice, runtime: Prediction): Prediction {
  return {
    value: priceDuration(task, vm, runtime.value),
    low: priceDuration(task, vm, Math.max(0, runtime.low)),
    high: priceDuration(task, vm, runtime.high),
  };
}

/** A fixed number of decimal places (default 10), no exponent: for a Postgres numeric column. */
export function toDecimalString(value: number, places = 10): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite amount: ${value}`);
  const s = value.toFixed(places);
  // toFixed switches to exponent form only at >= 1e21, far beyond any price
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/**
 * The rule as an EstimationModel (target `costPerTask`): `fit` learns nothing; `predict` needs
 * `features.vm` and `features.durationMs` (observed for a completed task, or a runtime model's
 * estimate) and returns a zero-width interval, since the rule itself is exact given its inputs.
 */
export const priceSheetModel: EstimationModel<Record<string, never>> = {
  name: 'price-sheet:costPerTask',
  version: '1',
  target: 'costPerTask',
  fit: () => ({}),
  predict(features) {
    if (!features.vm) throw new Error('price-sheet needs features.vm (the VM size and its price)');
    if (features.durationMs == null) throw new Error('price-sheet needs features.durationMs');
    const value = priceDuration({ cpus: features.cpus ?? null, memoryBytes: features.memoryBytes ?? null }, features.vm, features.durationMs);
    return { value, low: value, high: value };
  },
};
