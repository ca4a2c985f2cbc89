/**
 * Restated exports built from the real FOCUS sample, the way a month-to-date export is written again
 * each day: an earlier version up to a cut-off day, and a later one with every day, some of the
 * earlier days' lines revised and some gone. Expectations are exact BigInt sums of the rows written,
 * sharing no code with src/.
 */
import { fixturePath } from '../../../support/fixtures.js';
import { decimal, readRawCsv, scaled, type RawCsv } from './raw-csv.js';

export const FOCUS_SAMPLE = fixturePath('focus-sample', 'focus_sample.csv');

export type Rec = Record<string, string>;

/** Exact sum of BilledCost over `records`. */
export const billed = (records: readonly Rec[]): bigint => records.reduce((s, r) => s + scaled(r.BilledCost), 0n);
/** Exact sum of EffectiveCost, else BilledCost (what the explorer counts). */
export const effective = (records: readonly Rec[]): bigint => records.reduce((s, r) => s + scaled(r.EffectiveCost || r.BilledCost), 0n);

const plus = (text: string, delta: string) => (text === '' ? text : decimal(scaled(text) + scaled(delta)));

/** A FOCUS timestamp (`2024-09-03 10:00:00`, UTC) moved by `days`, written the same way. */
export const shiftStamp = (stamp: string, days: number) =>
  new Date(Date.parse(`${stamp.replace(' ', 'T')}Z`) + days * 86_400_000).toISOString().slice(0, 19).replace('T', ' ');

const quote = (f: string) => `"${f.replaceAll('"', '""')}"`;

/** `records` as a CSV file under `header`. */
export function csvOf(header: readonly string[], records: readonly Rec[]): Buffer {
  return Buffer.from([header.map(quote).join(','), ...records.map((r) => header.map((h) => quote(r[h] ?? '')).join(','))].join('\n') + '\n');
}

export interface Restated {
  raw: RawCsv;
  /** The export as written on `cutoff`: the lines of the days before it. */
  earlier: Rec[];
  /** The export written later: every day; of the earlier days, every 7th line revised (+1.25 billed and effective) and every 50th gone. */
  later: Rec[];
  revised: Rec[];
  gone: Rec[];
}

export function restatedFocus(cutoff = '2024-09-20'): Restated {
  const raw = readRawCsv(FOCUS_SAMPLE);
  const earlier = raw.records.filter((r) => r.ChargePeriodStart.slice(0, 10) < cutoff);
  const revised: Rec[] = [];
  const gone: Rec[] = [];
  const later: Rec[] = [];
  raw.records.forEach((r, i) => {
    const early = r.ChargePeriodStart.slice(0, 10) < cutoff;
    if (early && i % 50 === 3) {
      gone.push(r);
      return;
    }
    if (early && i % 7 === 0) {
      revised.push(r);
      later.push({ ...r, BilledCost: plus(r.BilledCost, '1.25'), EffectiveCost: plus(r.EffectiveCost, '1.25') });
      return;
    }
    later.push(r);
  });
  return { raw, earlier, later, revised, gone };
}
