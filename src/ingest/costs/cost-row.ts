import { keyTooLong, keyTooLongMessage, MAX_KEY_BYTES } from '../../input/text.js';

/**
 * One bill line, normalised to FOCUS names, as every bill source (Azure export, FOCUS file,
 * Azure Cost Management query) produces it before loading. Amounts stay decimal strings:
 * money is never a JS float on its way into Postgres `numeric`.
 */
export interface CostRow {
  /** `azure`, `aws`, `gcp`, `oci`, or the FOCUS ProviderName lower-cased. */
  provider: string;
  billingAccountId: string | null;
  subAccountId: string | null;
  subAccountName: string | null;
  resourceId: string | null;
  resourceName: string | null;
  resourceGroup: string | null;
  resourceType: string | null;
  serviceName: string | null;
  serviceCategory: string | null;
  skuId: string | null;
  /** Azure MeterName / MeterCategory etc. when the source has one. */
  meter: string | null;
  regionId: string | null;
  /** FOCUS ChargeCategory: Usage, Purchase, Tax, Credit, Adjustment. */
  chargeCategory: string | null;
  /** Half-open [start, end), UTC. */
  chargePeriodStart: Date;
  chargePeriodEnd: Date;
  /** Decimal strings, e.g. "12.3400". billedCost is required; the others may be null. */
  billedCost: string;
  effectiveCost: string | null;
  listCost: string | null;
  /** ISO 4217, upper case. */
  currency: string;
  consumedQuantity: string | null;
  consumedUnit: string | null;
  tags: Record<string, string>;
  /**
   * The billing period the line is billed in, [start, end) UTC, when the source says (FOCUS
   * BillingPeriodStart/End, Azure BillingPeriodStartDate/EndDate). Stored; part of the row hash only of a
   * line charged outside it or a correction (row-hash: lines hashed before it was read keep their hashes).
   * A replacing import restates by it (services/cost-replace).
   */
  billingPeriodStart?: Date | null;
  billingPeriodEnd?: Date | null;
  /** FOCUS ChargeClass (`Correction`, or none). Not stored; it tells a correction from the line it corrects (row-hash). */
  chargeClass?: string | null;
}

/** A source row that could not become a CostRow: kept, never dropped. */
export interface QuarantinedRow {
  /** 1-based line number in the file (header = line 1). */
  line: number;
  raw: string;
  reason: string;
}

/** The fields of a CostRow that become part of an index key (a bill's scope, an anomaly's dimension), by their FOCUS names. */
const KEY_FIELDS: [keyof CostRow, string][] = [
  ['provider', 'ProviderName'],
  ['billingAccountId', 'BillingAccountId'],
  ['subAccountId', 'SubAccountId'],
  ['serviceName', 'ServiceName'],
  ['resourceGroup', 'ResourceGroup'],
];

/**
 * A bill's scope key is its provider, billing account and sub account as one JSON array (bill-scope.ts,
 * billScopeSql), which a replacing import writes into the key of the file coverage it records. JSON escapes
 * (`\"`, `\\`, a control character as `\u001f`, six bytes) can take three values within MAX_KEY_BYTES
 * past what an index entry holds: the array is bounded as such, three values and their punctuation.
 */
const MAX_SCOPE_KEY_BYTES = 3 * MAX_KEY_BYTES + 16;

/** The UTF-8 size of the row's scope key when it is over MAX_SCOPE_KEY_BYTES, else null. */
function scopeKeyTooLong(row: CostRow): number | null {
  const parts = [row.provider, row.billingAccountId, row.subAccountId];
  // an escape is at most 6 bytes per UTF-16 code unit: most rows are judged without writing their key
  if (parts.reduce((n, p) => n + (p?.length ?? 4), 0) * 6 + 16 <= MAX_SCOPE_KEY_BYTES) return null;
  const bytes = Buffer.byteLength(JSON.stringify(parts), 'utf8');
  return bytes > MAX_SCOPE_KEY_BYTES ? bytes : null;
}

/**
 * Why `row` cannot be loaded as it is, or null: a value past MAX_KEY_BYTES where it becomes part of an index
 * key would fail the statement that writes it, and with it the whole import (input/text.ts).
 */
export function oversizedKeyField(row: CostRow): string | null {
  for (const [field, name] of KEY_FIELDS) {
    const value = row[field];
    const bytes = typeof value === 'string' ? keyTooLong(value) : null;
    if (bytes !== null) return `${name}: ${keyTooLongMessage(bytes)}`;
  }
  const scopeBytes = scopeKeyTooLong(row);
  if (scopeBytes !== null) {
    return `ProviderName, BillingAccountId and SubAccountId: written as the bill's scope (JSON, where a quote, backslash or control character is escaped) must be at most ${MAX_SCOPE_KEY_BYTES} bytes (UTF-8), got ${scopeBytes}`;
  }
  for (const [key, value] of Object.entries(row.tags)) {
    const keyBytes = keyTooLong(key);
    if (keyBytes !== null) return `Tags: a tag key ${keyTooLongMessage(keyBytes)}`;
    const valueBytes = keyTooLong(value);
    if (valueBytes !== null) return `Tags: the value of tag ${JSON.stringify(key)} ${keyTooLongMessage(valueBytes)}`;
  }
  return null;
}
