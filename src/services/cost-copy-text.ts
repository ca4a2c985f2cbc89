/**
 * Cost rows as `COPY … FROM STDIN` text (the default text format). No database here: the file import
 * encodes in a worker thread that should not load the database client.
 */
import type { CostRow } from '../ingest/costs/index.js';
import { isoText } from '../ingest/costs/memo.js';

/** The row columns of `cost_records`, in COPY order after the constant ones (org, source, source id, batch). */
export const STAGE_COLUMNS = [
  'row_hash',
  'provider',
  'billing_account_id',
  'sub_account_id',
  'sub_account_name',
  'resource_id',
  'resource_name',
  'resource_group',
  'resource_type',
  'service_name',
  'service_category',
  'sku_id',
  'meter',
  'region_id',
  'charge_category',
  'charge_period_start',
  'charge_period_end',
  'billed_cost',
  'effective_cost',
  'list_cost',
  'currency',
  'consumed_quantity',
  'consumed_unit',
  'tags',
  'billing_period_start',
  'billing_period_end',
] as const;

/** Every column a load writes, in COPY order. */
export const LOAD_COLUMNS = ['org_id', 'source', 'source_id', 'ingest_batch', ...STAGE_COLUMNS] as const;

/** The constant columns of a load's lines (org, source, source id, batch), tab-terminated: ids, nothing to escape. */
export function loadPrefix(orgId: string, meta: { source: string; sourceId: string; batchId: string }): string {
  return `${orgId}\t${meta.source}\t${meta.sourceId}\t${meta.batchId}\t`;
}

const NEEDS_ESCAPE = /[\\\t\n\r\0]/;

/**
 * One value in COPY text format: `\N` for null; backslash, tab, newline and carriage return escaped.
 * Postgres text cannot hold NUL, and a NUL in the data would fail the COPY itself: refuse it here.
 */
export function copyTextValue(value: string | null, field = 'value'): string {
  if (value === null) return '\\N';
  if (!NEEDS_ESCAPE.test(value)) return value;
  if (value.includes('\0')) throw new RangeError(`${field} contains a NUL character, which Postgres text cannot store`);
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** The row as one COPY text line (STAGE_COLUMNS order), newline included. */
export function encodeCostRowLine(row: CostRow, hash: string): string {
  const v = copyTextValue;
  return (
    v(hash, 'row_hash') +
    '\t' + v(row.provider, 'provider') +
    '\t' + v(row.billingAccountId, 'billingAccountId') +
    '\t' + v(row.subAccountId, 'subAccountId') +
    '\t' + v(row.subAccountName, 'subAccountName') +
    '\t' + v(row.resourceId, 'resourceId') +
    '\t' + v(row.resourceName, 'resourceName') +
    '\t' + v(row.resourceGroup, 'resourceGroup') +
    '\t' + v(row.resourceType, 'resourceType') +
    '\t' + v(row.serviceName, 'serviceName') +
    '\t' + v(row.serviceCategory, 'serviceCategory') +
    '\t' + v(row.skuId, 'skuId') +
    '\t' + v(row.meter, 'meter') +
    '\t' + v(row.regionId, 'regionId') +
    '\t' + v(row.chargeCategory, 'chargeCategory') +
    '\t' + isoText(row.chargePeriodStart) +
    '\t' + isoText(row.chargePeriodEnd) +
    '\t' + v(row.billedCost, 'billedCost') +
    '\t' + v(row.effectiveCost, 'effectiveCost') +
    '\t' + v(row.listCost, 'listCost') +
    '\t' + v(row.currency, 'currency') +
    '\t' + v(row.consumedQuantity, 'consumedQuantity') +
    '\t' + v(row.consumedUnit, 'consumedUnit') +
    '\t' + tagsCopyText(row.tags, hash) +
    '\t' + (row.billingPeriodStart ? isoText(row.billingPeriodStart) : '\\N') +
    '\t' + (row.billingPeriodEnd ? isoText(row.billingPeriodEnd) : '\\N') +
    '\n'
  );
}

/** COPY texts of shared (frozen) tags objects, which many rows of a file hold (see memoTags). */
const tagsTexts = new WeakMap<Record<string, string>, string>();

function tagsCopyText(tags: Record<string, string>, hash: string): string {
  let text = tagsTexts.get(tags);
  if (text !== undefined) return text;
  const json = JSON.stringify(tags);
  // JSON writes NUL as the escape \u0000, which jsonb refuses (the cast would fail the insert, not the COPY)
  if (json.includes('\\u0000') && Object.entries(tags).some(([k, t]) => k.includes('\0') || t.includes('\0'))) {
    throw new RangeError(`cost row ${hash}: tags contain a NUL character, which Postgres cannot store`);
  }
  text = copyTextValue(json, 'tags');
  if (Object.isFrozen(tags)) tagsTexts.set(tags, text);
  return text;
}

/** True when a row holds a NUL character anywhere (such rows cannot be stored; importers quarantine them). */
export function costRowHasNul(row: CostRow): boolean {
  for (const field of TEXT_FIELDS) {
    const value = row[field];
    if (value !== null && value.includes('\0')) return true;
  }
  for (const key in row.tags) {
    if (key.includes('\0') || row.tags[key].includes('\0')) return true;
  }
  return false;
}

/** The text fields of a CostRow (all but the dates and tags). */
const TEXT_FIELDS = [
  'provider',
  'billingAccountId',
  'subAccountId',
  'subAccountName',
  'resourceId',
  'resourceName',
  'resourceGroup',
  'resourceType',
  'serviceName',
  'serviceCategory',
  'skuId',
  'meter',
  'regionId',
  'chargeCategory',
  'billedCost',
  'effectiveCost',
  'listCost',
  'currency',
  'consumedQuantity',
  'consumedUnit',
] as const satisfies readonly (keyof CostRow)[];
