import { createHash, hash } from 'node:crypto';
import type { CostRow } from './cost-row.js';
import { canonicalDecimal } from './decimal.js';
import { isoText } from './memo.js';
import { OccurrenceTable } from './occurrence-table.js';

/** Bump when the canonical form changes: stored hashes from older versions will then no longer match. */
const CANONICAL_VERSION = 'cost-row/v1';

/**
 * The row as one string: every field in a fixed order, timestamps as ISO, amounts without
 * insignificant zeros (`1.50` = `1.5`, so re-exports at another precision do not double
 * count), tags sorted by key. JSON keeps field boundaries unambiguous.
 *
 * A line billed in another period than its charge falls in (late usage, a rebill) or a FOCUS correction
 * has one element more: its billing period and charge class (billedElsewhere). Such a line can equal, field
 * for field, the line of its charge day that its own period billed: October's bill can hold a line for
 * September 30 that September's bill holds too, and both are owed. Without them it hashed as that line, so a
 * plain import took it for already stored and a replacing one moved September's line into October. Every
 * other line keeps the form it was hashed in before billing periods were read, and so its stored hash.
 */
export function canonicalCostRow(row: CostRow): string {
  return canonicalForm(row, billedElsewhere(row));
}

/**
 * The form every line was hashed in before billing periods and charge classes entered it: canonicalCostRow without
 * the billedElsewhere element. The same text as canonicalCostRow for every line but one billed elsewhere, whose rows
 * stored before then still carry its hash (services/legacy-row-hash).
 */
export function legacyCanonicalCostRow(row: CostRow): string {
  return canonicalForm(row, null);
}

/** The canonical form, with `billed` (billedElsewhere) as its last element when not null. */
function canonicalForm(row: CostRow, billed: string | null): string {
  const amount = (v: string | null) => (v === null ? null : canonicalDecimal(v));
  const fields = JSON.stringify([
    CANONICAL_VERSION,
    row.provider,
    row.billingAccountId,
    row.subAccountId,
    row.subAccountName,
    row.resourceId,
    row.resourceName,
    row.resourceGroup,
    row.resourceType,
    row.serviceName,
    row.serviceCategory,
    row.skuId,
    row.meter,
    row.regionId,
    row.chargeCategory,
    isoText(row.chargePeriodStart),
    isoText(row.chargePeriodEnd),
    amount(row.billedCost),
    amount(row.effectiveCost),
    amount(row.listCost),
    row.currency,
    amount(row.consumedQuantity),
    row.consumedUnit,
  ]);
  // the tags as the array's last element, spliced in: JSON of an array has no spaces to differ in
  const tags = sortedTagsJson(row.tags);
  return billed === null ? `${fields.slice(0, -1)},${tags}]` : `${fields.slice(0, -1)},${tags},${billed}]`;
}

/**
 * For a line charged outside its billing period, or a correction: JSON of its billing period (ISO, or nulls)
 * and charge class. Null for every other line. Outside: its charge period and the billing period share no
 * time (a charge of no length at the period's start is inside it).
 */
function billedElsewhere(row: CostRow): string | null {
  const from = row.billingPeriodStart;
  const to = row.billingPeriodEnd;
  const correction = row.chargeClass != null && row.chargeClass.toLowerCase() === 'correction';
  let outside = false;
  if (from && to) {
    const start = row.chargePeriodStart.getTime();
    const end = Math.max(row.chargePeriodEnd.getTime(), start + 1);
    outside = start >= to.getTime() || end <= from.getTime();
  }
  if (!outside && !correction) return null;
  return JSON.stringify([from ? isoText(from) : null, to ? isoText(to) : null, correction ? 'Correction' : null]);
}

/** Serialisations of shared (frozen) tags objects, which many rows of a file hold: see memoTags. */
const tagsJson = new WeakMap<Record<string, string>, string>();

/** The tags as JSON `[[key, value], …]`, sorted by key. */
function sortedTagsJson(tags: Record<string, string>): string {
  let json = tagsJson.get(tags);
  if (json === undefined) {
    json = JSON.stringify(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (Object.isFrozen(tags)) tagsJson.set(tags, json);
  }
  return json;
}

/**
 * The first 128 bits of a sha256 hex digest, written as a uuid (`8-4-4-4-12`, lower case, as Postgres
 * prints one). `cost_records.row_hash` is a uuid column: a 16-byte key instead of 64 characters of
 * text halves its unique index, which every loaded row is inserted into (see bench/cost-import).
 * 128 bits keep collisions out of reach (about 1 in 10^20 for 10^9 rows of one organization).
 */
export function hexDigestUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** `hash` (a row hash) made another one for `namespace`: the same row in two namespaces never matches. */
export function namespacedHash(namespace: string, hash: string): string {
  return hexDigestUuid(createHash('sha256').update(`${namespace}:${hash}`).digest('hex'));
}

/** A row hash as `cost_records.row_hash` holds it: a lower-case hyphenated uuid. */
export const ROW_HASH = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Characters (and UTF-8 bytes) of every row hash. */
export const ROW_HASH_LENGTH = 36;

/**
 * sha256 of the row's content and its occurrence index (the n-th identical copy of a row in one
 * file, 0-based), as a row hash (hexDigestUuid). Re-importing a file yields the same hashes, so the
 * load is idempotent, while two genuinely identical bill lines keep distinct hashes and both count.
 */
export function costRowHash(row: CostRow, occurrence: number): string {
  if (!Number.isSafeInteger(occurrence) || occurrence < 0) throw new RangeError(`occurrence must be a non-negative integer, got ${occurrence}`);
  return hexDigestUuid(createHash('sha256').update(canonicalCostRow(row)).update(`\n#${occurrence}`).digest('hex'));
}

/** A row's hash; and, when the row was hashed otherwise before lines billed elsewhere were told apart, that hash. */
export interface CostRowHashing {
  hash: string;
  occurrence: number;
  /** Absent for nearly every row: see CostRowHasher. */
  legacyHash?: string;
}

/**
 * Numbers identical rows 0, 1, 2… in the order they are met while streaming one file, and hashes
 * them. Use one per file. Most rows are unique, so each row is hashed once, as occurrence 0, and the
 * first 64 bits of that hash are the key under which its later copies are counted; only a copy is
 * hashed again, with its own occurrence. A key collision (about 1 in 10^7 for a million-row file)
 * could only shift an occurrence index; the hash still covers the full content.
 *
 * A row whose hash differs from the one the same file gave it before lines billed elsewhere were told apart
 * (legacyCanonicalCostRow) also gets that old hash, `legacyHash`, so that the load can find its row stored then
 * (services/legacy-row-hash): a row billed elsewhere (its form changed), and a row of the old form of such a row
 * that comes after it in the file (the old numbering counted the row billed elsewhere among its copies, so its
 * occurrence was higher). Only files with rows billed elsewhere pay for this: the count of them stays null until
 * the first one.
 */
export class CostRowHasher {
  readonly #seen = new OccurrenceTable();
  /** Rows billed elsewhere met so far, counted under the key of their old form; null until the first. */
  #elsewhere: OccurrenceTable | null = null;

  next(row: CostRow): CostRowHashing {
    const billed = billedElsewhere(row);
    const canonical = canonicalForm(row, billed);
    // one-shot: a Hash object per row cost as much as the digest itself; and hex straight away: a digest
    // Buffer, read for the key and then hex-encoded, cost half as much again
    const hex = hash('sha256', `${canonical}\n#0`);
    const hi = hexUint32(hex, 0);
    const lo = hexUint32(hex, 8);
    const occurrence = this.#seen.next(hi, lo);
    const rowHash = occurrence === 0 ? hexDigestUuid(hex) : occurrenceHash(canonical, occurrence);
    if (billed === null) {
      const before = this.#elsewhere === null ? 0 : this.#elsewhere.count(hi, lo);
      return before === 0 ? { hash: rowHash, occurrence } : { hash: rowHash, occurrence, legacyHash: occurrenceHash(canonical, occurrence + before) };
    }
    // the old numbering counted every earlier row of the same old form: the rows of that form now, and those billed elsewhere
    const legacy = canonicalForm(row, null);
    const legacyHex = hash('sha256', `${legacy}\n#0`);
    const [legacyHi, legacyLo] = [hexUint32(legacyHex, 0), hexUint32(legacyHex, 8)];
    this.#elsewhere ??= new OccurrenceTable();
    const legacyOccurrence = this.#seen.count(legacyHi, legacyLo) + this.#elsewhere.next(legacyHi, legacyLo);
    return { hash: rowHash, occurrence, legacyHash: legacyOccurrence === 0 ? hexDigestUuid(legacyHex) : occurrenceHash(legacy, legacyOccurrence) };
  }
}

/** The row hash of occurrence `occurrence` (> 0) of the row whose canonical form is `canonical`. */
function occurrenceHash(canonical: string, occurrence: number): string {
  return hexDigestUuid(createHash('sha256').update(canonical).update(`\n#${occurrence}`).digest('hex'));
}

/** The 32-bit number of the 8 lower-case hex digits at `at` (the digest's bytes at at / 2, big-endian). */
export function hexUint32(hex: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 8; i++) {
    const c = hex.charCodeAt(i);
    value = (value << 4) | (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  return value >>> 0;
}
