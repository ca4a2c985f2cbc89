/**
 * Independent reading of the raw fixture files for expectations: csv-parse's sync API on the
 * whole file and exact decimal sums on BigInt, sharing no code with src/ingest/costs.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { CostFileItem } from '../../../../src/ingest/costs/index.js';
import type { CostRow, QuarantinedRow } from '../../../../src/ingest/costs/index.js';

export interface RawCsv {
  header: string[];
  records: Record<string, string>[];
  text: string;
}

export function readRawCsv(file: string): RawCsv {
  const text = readFileSync(file, 'utf8');
  const rows = parse(text, { bom: true, relax_column_count: true }) as string[][];
  const [header, ...data] = rows;
  const records = data.map((fields) => Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ''])));
  return { header, records, text };
}

/** Decimal places every sum is carried at: more than any fixture value has (27). */
const SCALE = 40;

/** A scaled value (scaled's decimals) as a plain decimal, trailing zeros dropped: scaled(decimal(v)) === v. */
export function decimal(v: bigint): string {
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString().padStart(SCALE + 1, '0');
  const whole = digits.slice(0, -SCALE);
  const frac = digits.slice(-SCALE).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Plain decimals only (`-12.345`); anything else fails the test rather than being guessed. */
export function scaled(text: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`test helper: ${JSON.stringify(text)} is not a plain decimal`);
  const frac = (m[3] ?? '').padEnd(SCALE, '0');
  if (frac.length > SCALE) throw new Error(`test helper: ${text} has more than ${SCALE} decimals`);
  const v = BigInt(m[2] + frac);
  return m[1] === '-' ? -v : v;
}

export function sumBy<T>(items: readonly T[], key: (item: T) => string, amount: (item: T) => string): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const item of items) sums.set(key(item), (sums.get(key(item)) ?? 0n) + scaled(amount(item)));
  return sums;
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** `09/21/2023` -> `2023-09-21`, the way Azure's documentation says its CSV dates are written. */
export function usDateToIso(text: string): string {
  const [month, day, year] = text.split('/');
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

export function day(row: CostRow): string {
  return row.chargePeriodStart.toISOString().slice(0, 10);
}

export interface Collected {
  rows: { line: number; row: CostRow }[];
  quarantined: QuarantinedRow[];
  all: CostFileItem[];
}

export async function collect(items: AsyncIterable<CostFileItem>): Promise<Collected> {
  const out: Collected = { rows: [], quarantined: [], all: [] };
  for await (const item of items) {
    out.all.push(item);
    if (item.kind === 'row') out.rows.push({ line: item.line, row: item.row });
    else out.quarantined.push({ line: item.line, raw: item.raw, reason: item.reason });
  }
  return out;
}

/** Sorted entries, so two maps compare with deepEqual and a failure shows the differing keys. */
export function entries<V>(map: Map<string, V>): [string, V][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** 1-based number of the first line of `text` that contains `marker`. */
export function lineOf(text: string, marker: string): number {
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`test helper: ${marker} not in text`);
  return text.slice(0, at).split(/\r\n|\r|\n/).length;
}
