/**
 * Deterministic Cost Management query rows for the fake: N days × M resources, in the column
 * layout the real API uses (cost column(s) first, then UsageDate as a yyyymmdd number, ResourceId,
 * the second grouping, Currency).
 */

import { sumDecimals } from './decimal-sum.js';

/** A decimal the fake writes into JSON as a bare number literal, digit for digit, the way Azure does. */
export class DecimalLiteral {
  constructor(readonly text: string) {
    if (!/^-?\d+(\.\d+)?$/.test(text)) throw new Error(`DecimalLiteral ${JSON.stringify(text)} is not a plain decimal`);
  }
}

export type FakeCell = string | number | null | DecimalLiteral;

export interface FakeColumn {
  name: string;
  type: 'Number' | 'String';
}

export interface FakeDataset {
  columns: FakeColumn[];
  rows: FakeCell[][];
}

export type SecondGrouping = 'ServiceName' | 'ResourceGroup' | 'ResourceLocation' | { tagKey: string };

export interface BuildRowsOptions {
  /** First day, a UTC midnight. */
  start: Date;
  days: number;
  resources: number;
  subscriptionId?: string;
  /** `PreTaxCost` (legacy/EA shape, as in the fixtures) or `Cost` + `CostUSD` (2023 ActualCost shape). */
  costColumns?: 'PreTaxCost' | 'Cost';
  second?: SecondGrouping;
  /** Billing currency; CostUSD is derived with a fixed rate when it is not USD. */
  currency?: string;
  seed?: number;
}

const KINDS = [
  { provider: 'microsoft.compute/virtualmachines', prefix: 'nf-worker', service: 'Virtual Machines', location: 'westeurope' },
  { provider: 'microsoft.storage/storageaccounts', prefix: 'genomicsdata', service: 'Storage', location: 'westeurope' },
  { provider: 'microsoft.batch/batchaccounts', prefix: 'nfbatch', service: 'Azure Batch', location: 'northeurope' },
] as const;

export interface FakeResource {
  resourceId: string;
  resourceGroup: string;
  service: string;
  location: string;
  tagValue: string;
}

export function fakeResources(count: number, subscriptionId = '00000000-0000-0000-0000-000000000000'): FakeResource[] {
  return Array.from({ length: count }, (_, i) => {
    const kind = KINDS[i % KINDS.length];
    const resourceGroup = `rg-genomics-${(i % 4) + 1}`;
    return {
      resourceId: `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}/providers/${kind.provider}/${kind.prefix}${i}`,
      // the service reports ResourceGroup with the casing it was created with, unlike the id
      resourceGroup: resourceGroup.toUpperCase(),
      service: kind.service,
      location: kind.location,
      // every fourth resource is untagged: Azure answers those with an empty TagValue
      tagValue: i % 4 === 3 ? '' : `project-${i % 3}`,
    };
  });
}

export function buildCostRows(opts: BuildRowsOptions): FakeDataset {
  if (opts.start.getTime() % 86_400_000 !== 0) throw new Error(`start ${opts.start.toISOString()} is not a UTC midnight`);
  const costColumns = opts.costColumns ?? 'Cost';
  const currency = opts.currency ?? 'USD';
  const resources = fakeResources(opts.resources, opts.subscriptionId);
  const random = lcg(opts.seed ?? 42);

  const columns: FakeColumn[] =
    costColumns === 'Cost'
      ? [
          { name: 'Cost', type: 'Number' },
          { name: 'CostUSD', type: 'Number' },
        ]
      : [{ name: 'PreTaxCost', type: 'Number' }];
  columns.push({ name: 'UsageDate', type: 'Number' }, { name: 'ResourceId', type: 'String' });
  const second = opts.second;
  if (second === 'ServiceName' || second === 'ResourceGroup' || second === 'ResourceLocation') columns.push({ name: second, type: 'String' });
  else if (second) columns.push({ name: 'TagKey', type: 'String' }, { name: 'TagValue', type: 'String' });
  columns.push({ name: 'Currency', type: 'String' });

  const rows: FakeCell[][] = [];
  for (let d = 0; d < opts.days; d++) {
    const date = new Date(opts.start.getTime() + d * 86_400_000);
    const usageDate = date.getUTCFullYear() * 10000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
    resources.forEach((res, r) => {
      const cost = costFor(random, d, r);
      const row: FakeCell[] = costColumns === 'Cost' ? [new DecimalLiteral(cost), new DecimalLiteral(currency === 'USD' ? cost : scale(cost, 108n, 2))] : [new DecimalLiteral(cost)];
      row.push(usageDate, res.resourceId);
      if (second === 'ServiceName') row.push(res.service);
      else if (second === 'ResourceGroup') row.push(res.resourceGroup);
      else if (second === 'ResourceLocation') row.push(res.location);
      else if (second) row.push(second.tagKey, res.tagValue);
      row.push(currency);
      rows.push(row);
    });
  }
  return { columns, rows };
}

/**
 * Costs with up to 12 significant digits (so a double holds them exactly as written), including
 * the shapes that break naive conversions: tiny amounts that JS prints in exponent notation,
 * zero, and many decimals.
 */
function costFor(random: () => number, day: number, resource: number): string {
  const pick = (day * 7 + resource) % 10;
  if (pick === 0) return `0.000000${1 + Math.floor(random() * 899)}`; // 1e-7 territory
  if (pick === 5) return '0';
  const micro = BigInt(Math.floor(random() * 1e11)); // < 100000.000000
  return formatScaled(micro, 6);
}

/** value × factor / 10^extraDigits, exactly (BigInt), as a decimal string. */
function scale(value: string, factor: bigint, extraDigits: number): string {
  const [i, f = ''] = value.split('.');
  return formatScaled(BigInt(i + f) * factor, f.length + extraDigits);
}

function formatScaled(units: bigint, decimals: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  let out = decimals === 0 ? digits : `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
  if (out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
  return negative ? `-${out}` : out;
}

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** The text of a cell as the fake writes it into JSON (numbers: their literal). */
export function cellText(cell: FakeCell): string | null {
  if (cell === null) return null;
  if (cell instanceof DecimalLiteral) return cell.text;
  return String(cell);
}

/** The fake's rows whose UsageDate falls in [from, to), straight from its configured cells. */
export function rowsIn(dataset: FakeDataset, from: Date, to: Date): FakeDataset['rows'] {
  const at = dataset.columns.findIndex((c) => c.name === 'UsageDate');
  return dataset.rows.filter((row) => {
    const n = Number(row[at]);
    const day = Date.UTC(Math.floor(n / 10000), (Math.floor(n / 100) % 100) - 1, n % 100);
    return day >= from.getTime() && day < to.getTime();
  });
}

export function costSum(dataset: FakeDataset, rows: FakeDataset['rows']): string {
  const at = dataset.columns.findIndex((c) => c.name === 'Cost');
  return sumDecimals(rows.map((row) => cellText(row[at])!));
}
