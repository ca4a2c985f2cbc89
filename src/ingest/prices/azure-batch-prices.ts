/**
 * Parser for the Azure Batch VM price snapshots shipped in `fixtures/azure-vm-prices`
 * (microsoft/ga4gh-tes `BatchSupportedVmSizeInformation*.json`): one entry per VM size and
 * priority, with USD retail Linux prices from West Europe ("Low Priority" meters for the
 * `LowPriority: true` rows), vCPUs and memory. Pure: returns rows shaped like the `prices`
 * table, plus the entries it skipped and why; a later step seeds the table.
 */
import path from 'node:path';
import type { prices } from '../../db/schema/prices.js';

export type PriceInsert = typeof prices.$inferInsert;

export interface SkippedPrice {
  index: number;
  vmSize: string | null;
  reason: string;
}

export interface ParsedPriceSnapshot {
  /** `YYYY-MM-DD` from the file name. */
  effectiveFrom: string;
  rows: PriceInsert[];
  skipped: SkippedPrice[];
}

export class PriceSnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PriceSnapshotError';
  }
}

/** The snapshot's prices are West Europe's, whichever regions a size is offered in. */
export const SNAPSHOT_REGION = 'westeurope';
export const SNAPSHOT_CURRENCY = 'USD';

const FILE_NAME = /^BatchSupportedVmSizeInformation(?:_[A-Z]+)?_(\d{4}-\d{2}-\d{2})\.json$/;

/** The snapshot date in a file name such as `BatchSupportedVmSizeInformation_AZURECLOUD_2025-03-04.json`. */
export function snapshotDate(fileName: string): string {
  const m = FILE_NAME.exec(path.basename(fileName));
  if (!m) throw new PriceSnapshotError(`not a price snapshot file name (BatchSupportedVmSizeInformation[_CLOUD]_YYYY-MM-DD.json): ${fileName}`);
  const date = m[1];
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
    throw new PriceSnapshotError(`invalid date in file name: ${fileName}`);
  }
  return date;
}

/**
 * Parses one snapshot's JSON text. `fileName` gives the effective date and the `source`.
 * Entries without a price (the sheet has ~145 per file: sizes with no West Europe meter) or
 * with bad vCPUs/memory are skipped with a reason, never guessed.
 */
export function parseAzureBatchPrices(json: string, fileName: string): ParsedPriceSnapshot {
  const effectiveFrom = snapshotDate(fileName);
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    throw new PriceSnapshotError(`${path.basename(fileName)} is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data)) throw new PriceSnapshotError(`${path.basename(fileName)}: expected a JSON array of VM sizes`);
  const source = `azure-batch-vm-sizes:${path.basename(fileName)}`;
  const rows: PriceInsert[] = [];
  const skipped: SkippedPrice[] = [];
  const seen = new Set<string>();
  data.forEach((entry: unknown, index) => {
    const skip = (vmSize: string | null, reason: string) => skipped.push({ index, vmSize, reason });
    if (entry === null || typeof entry !== 'object') return skip(null, 'not an object');
    const e = entry as Record<string, unknown>;
    const vmSize = typeof e.VmSize === 'string' && e.VmSize.trim() ? e.VmSize.trim() : null;
    if (!vmSize) return skip(null, 'no VmSize');
    if (typeof e.LowPriority !== 'boolean') return skip(vmSize, 'LowPriority is not true/false');
    const priority = e.LowPriority ? 'LOW_PRIORITY' : 'DEDICATED';
    if (e.PricePerHour === null || e.PricePerHour === undefined) return skip(vmSize, 'no PricePerHour');
    if (typeof e.PricePerHour !== 'number' || !Number.isFinite(e.PricePerHour) || e.PricePerHour < 0) {
      return skip(vmSize, `PricePerHour is not a non-negative number: ${JSON.stringify(e.PricePerHour)}`);
    }
    if (!Number.isInteger(e.VCpusAvailable) || (e.VCpusAvailable as number) <= 0) {
      return skip(vmSize, `VCpusAvailable is not a positive integer: ${JSON.stringify(e.VCpusAvailable)}`);
    }
    if (typeof e.MemoryInGiB !== 'number' || !Number.isFinite(e.MemoryInGiB) || e.MemoryInGiB <= 0) {
      return skip(vmSize, `MemoryInGiB is not a positive number: ${JSON.stringify(e.MemoryInGiB)}`);
    }
    const key = `${vmSize}\u0000${priority}`;
    if (seen.has(key)) return skip(vmSize, `duplicate ${priority} entry`);
    seen.add(key);
    rows.push({
      provider: 'azure',
      region: SNAPSHOT_REGION,
      vmSize,
      priority,
      vcpus: e.VCpusAvailable as number,
      memoryGib: numberToDecimal(e.MemoryInGiB),
      pricePerHour: numberToDecimal(e.PricePerHour),
      currency: SNAPSHOT_CURRENCY,
      effectiveFrom,
      source,
    });
  });
  return { effectiveFrom, rows, skipped };
}

/**
 * A JSON number as a decimal string for a numeric column. JS prints the shortest string that
 * reads back as the same double, which for the sheet's 3–4 significant digit prices is the
 * literal in the file (0.078 → "0.078"); exponent forms (1e-7) are expanded.
 */
export function numberToDecimal(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  const [mant, expText] = s.toLowerCase().split('e');
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const [int, frac = ''] = mant.replace('-', '').split('.');
  const digits = int + frac;
  const point = int.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (neg ? '-' : '') + out;
}
