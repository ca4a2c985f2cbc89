import { createHash } from 'node:crypto';
import type { CostRow } from './cost-row.js';
import { canonicalDecimal } from './decimal.js';

/** Bump when the canonical form changes: stored hashes from older versions will then no longer match. */
const CANONICAL_VERSION = 'cost-row/v1';

/**
 * The row as one string: every field in a fixed order, timestamps as ISO, amounts without
 * insignificant zeros (`1.50` = `1.5`, so re-exports at another precision do not double
 * count), tags sorted by key. JSON keeps field boundaries unambiguous.
 */
export function canonicalCostRow(row: CostRow): string {
  const amount = (v: string | null) => (v === null ? null : canonicalDecimal(v));
  return JSON.stringify([
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
    row.chargePeriodStart.toISOString(),
    row.chargePeriodEnd.toISOString(),
    amount(row.billedCost),
    amount(row.effectiveCost),
    amount(row.listCost),
    row.currency,
    amount(row.consumedQuantity),
    row.consumedUnit,
    Object.entries(row.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);
}

/**
 * sha256 (hex) of the row's content and its occurrence index: the n-th identical copy of a row
 * in one file (0-based). Re-importing a file yields the same hashes, so the load is idempotent,
 * while two genuinely identical bill lines keep distinct hashes and both count.
 */
export function costRowHash(row: CostRow, occurrence: number): string {
  if (!Number.isSafeInteger(occurrence) || occurrence < 0) throw new RangeError(`occurrence must be a non-negative integer, got ${occurrence}`);
  return createHash('sha256').update(canonicalCostRow(row)).update(`\n#${occurrence}`).digest('hex');
}

/**
 * Numbers identical rows 0, 1, 2… in the order they are met while streaming one file, and hashes
 * them. Use one per file. Most rows are unique, so each row is hashed once, as occurrence 0, and
 * that hash is also the key under which its later copies are counted; only a copy is hashed again,
 * with its own occurrence. Memory is one short key per distinct row (about 100 bytes); a key
 * collision could only shift an occurrence index, and the hash still covers the full content.
 */
export class CostRowHasher {
  readonly #seen = new Map<string, number>();

  next(row: CostRow): { hash: string; occurrence: number } {
    const canonical = canonicalCostRow(row);
    const first = createHash('sha256').update(canonical).update('\n#0').digest('hex');
    const key = first.slice(0, 24);
    const occurrence = this.#seen.get(key) ?? 0;
    this.#seen.set(key, occurrence + 1);
    if (occurrence === 0) return { hash: first, occurrence };
    return { hash: createHash('sha256').update(canonical).update(`\n#${occurrence}`).digest('hex'), occurrence };
  }
}
