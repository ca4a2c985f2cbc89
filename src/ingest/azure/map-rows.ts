import { oversizedKeyField, type CostRow } from '../costs/cost-row.js';
import { normalizeBillingAccountId, parseResourceId, type ParsedScope } from './azure-ids.js';
import { costCellToDecimal } from './decimal.js';
import { addUtcDays, type DayWindow } from './windows.js';

/** One page of a query result as the service sends it (`properties.{columns, rows, nextLink}`). */
export interface QueryPage {
  columns: Array<{ name?: string; type?: string }>;
  rows: unknown[][];
  nextLink?: string | null;
}

export type CostType = 'ActualCost' | 'AmortizedCost';

export interface PageContext {
  scope: ParsedScope;
  window: DayWindow;
  costType: CostType;
  /** 1-based, for error messages */
  page: number;
}

/** Cost columns in order of preference: billing currency first, the USD variants only as a fallback. */
const COST_COLUMNS = ['Cost', 'PreTaxCost', 'CostUSD', 'PreTaxCostUSD'] as const;
const USD_ONLY = new Set(['CostUSD', 'PreTaxCostUSD']);

/**
 * Dimensions that may be asked for as the second grouping, and the CostRow field each fills.
 * Anything else would split rows by a value we cannot store, so it is refused up front.
 */
export const GROUPING_DIMENSION_FIELDS = {
  ServiceName: 'serviceName',
  ServiceFamily: 'serviceCategory',
  ResourceLocation: 'regionId',
  ResourceGroup: 'resourceGroup',
  ResourceGroupName: 'resourceGroup',
  ResourceType: 'resourceType',
  Meter: 'meter',
  MeterCategory: 'meter',
  ChargeType: 'chargeCategory',
  SubscriptionId: 'subAccountId',
  SubscriptionName: 'subAccountName',
} as const satisfies Record<string, keyof CostRow>;

type GroupingDimension = keyof typeof GROUPING_DIMENSION_FIELDS;

export function isSupportedGroupingDimension(name: string): name is GroupingDimension {
  return Object.hasOwn(GROUPING_DIMENSION_FIELDS, name);
}

/**
 * Maps one page to CostRows, locating every value by the column NAMES of this very response (the
 * service decides the column order, and it differs between aggregations and API versions).
 *
 * Without a UsageDate column (granularity None) a row covers the whole queried window.
 */
export function mapQueryPage(page: QueryPage, ctx: PageContext): CostRow[] {
  // a 204 (nothing in the window) comes without columns; there is nothing to look up
  if (page.rows.length === 0) return [];
  const where = (row: number): string => `Cost Management query ${ctx.scope.path} [${day(ctx.window.from)}, ${day(ctx.window.to)}) page ${ctx.page} row ${row}`;
  const index = new Map<string, number>();
  page.columns.forEach((c, i) => {
    if (typeof c.name === 'string' && !index.has(c.name.toLowerCase())) index.set(c.name.toLowerCase(), i);
  });
  const col = (name: string): number | undefined => index.get(name.toLowerCase());

  const costName = COST_COLUMNS.find((n) => col(n) !== undefined);
  if (!costName) {
    const got = page.columns.map((c) => c.name).join(', ');
    throw new Error(`Cost Management query ${ctx.scope.path} page ${ctx.page}: no cost column (looked for ${COST_COLUMNS.join(', ')}; got ${got || 'none'})`);
  }
  const costCol = col(costName)!;
  const currencyCol = col('Currency');
  const dateCol = col('UsageDate');
  const resourceIdCol = col('ResourceId');
  const tagKeyCol = col('TagKey');
  const tagValueCol = col('TagValue');
  const dimensionCols = (Object.keys(GROUPING_DIMENSION_FIELDS) as GroupingDimension[])
    .map((name) => ({ field: GROUPING_DIMENSION_FIELDS[name], at: col(name) }))
    .filter((d): d is { field: (typeof GROUPING_DIMENSION_FIELDS)[GroupingDimension]; at: number } => d.at !== undefined);

  return page.rows.map((row, r) => {
    if (!Array.isArray(row)) throw new Error(`${where(r + 1)}: not an array`);
    const text = (at: number | undefined): string | null => {
      if (at === undefined) return null;
      const v = row[at];
      if (v === null || v === undefined) return null;
      const s = String(v).trim();
      return s === '' ? null : s;
    };

    const billed = costCellToDecimal(row[costCol]);
    if (billed === undefined) throw new Error(`${where(r + 1)}: ${costName} ${JSON.stringify(row[costCol])} is not a number`);

    let currency: string;
    // the Currency column is the billing currency, which a USD column is not in (an EUR account's CostUSD)
    if (USD_ONLY.has(costName)) {
      currency = 'USD';
    } else if (currencyCol !== undefined) {
      const c = text(currencyCol);
      if (!c || !/^[A-Za-z]{3}$/.test(c)) throw new Error(`${where(r + 1)}: Currency ${JSON.stringify(row[currencyCol])} is not an ISO 4217 code`);
      currency = c.toUpperCase();
    } else {
      throw new Error(`${where(r + 1)}: no Currency column to go with ${costName}`);
    }

    let start = ctx.window.from;
    let end = ctx.window.to;
    if (dateCol !== undefined) {
      start = parseUsageDate(row[dateCol], where(r + 1));
      end = addUtcDays(start, 1);
      if (start < ctx.window.from || end > ctx.window.to) {
        throw new Error(`${where(r + 1)}: UsageDate ${day(start)} lies outside the queried window`);
      }
    }

    const resourceId = text(resourceIdCol);
    const parsed = resourceId ? parseResourceId(resourceId) : null;
    const out: CostRow = {
      provider: 'azure',
      billingAccountId: normalizeBillingAccountId(ctx.scope.billingAccountId),
      subAccountId: parsed?.subscriptionId ?? ctx.scope.subscriptionId?.toLowerCase() ?? null,
      subAccountName: null,
      resourceId,
      resourceName: parsed?.resourceName ?? null,
      resourceGroup: parsed?.resourceGroup ?? null,
      resourceType: parsed?.resourceType ?? null,
      serviceName: null,
      serviceCategory: null,
      skuId: null,
      meter: null,
      regionId: null,
      chargeCategory: null,
      chargePeriodStart: start,
      chargePeriodEnd: end,
      billedCost: billed,
      // Amortized figures are FOCUS EffectiveCost. CostRow still requires billedCost, so an
      // AmortizedCost sync stores the amortized figure in both; load ActualCost for invoice totals.
      effectiveCost: ctx.costType === 'AmortizedCost' ? billed : null,
      listCost: null,
      currency,
      consumedQuantity: null,
      consumedUnit: null,
      tags: {},
    };
    // an explicit grouping column is the service's own answer and wins over what the id implies
    for (const d of dimensionCols) {
      const v = text(d.at);
      if (v === null) continue;
      const lower = d.field === 'resourceGroup' || d.field === 'subAccountId';
      out[d.field] = lower ? v.toLowerCase() : v;
    }
    const tagKey = text(tagKeyCol);
    const tagValue = tagValueCol === undefined ? null : row[tagValueCol];
    // rows of resources without the tag come back with an empty TagValue: no tag, not an empty one
    if (tagKey && typeof tagValue === 'string' && tagValue !== '') out.tags = { [tagKey]: tagValue };
    const oversized = oversizedKeyField(out);
    if (oversized !== null) throw new Error(`${where(r + 1)}: ${oversized}`);
    return out;
  });
}

/** UsageDate is a number yyyymmdd at daily granularity (a string like 2024-01-01T00:00:00 at monthly). */
function parseUsageDate(value: unknown, where: string): Date {
  let y: number, m: number, d: number;
  if (typeof value === 'number' && Number.isInteger(value)) {
    y = Math.floor(value / 10000);
    m = Math.floor(value / 100) % 100;
    d = value % 100;
  } else if (typeof value === 'string' && /^\d{4}-?\d{2}-?\d{2}/.test(value)) {
    const digits = value.replace(/-/g, '').slice(0, 8);
    y = Number(digits.slice(0, 4));
    m = Number(digits.slice(4, 6));
    d = Number(digits.slice(6, 8));
  } else {
    throw new Error(`${where}: UsageDate ${JSON.stringify(value)} is not yyyymmdd`);
  }
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    throw new Error(`${where}: UsageDate ${JSON.stringify(value)} is not a calendar date`);
  }
  return date;
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}
