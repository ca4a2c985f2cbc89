/**
 * Loads normalised bill lines into `cost_records` through `COPY … FROM STDIN`: the rows stream, in
 * batches, into a temporary staging table of the caller's transaction, and after each batch an
 * `insert … select … on conflict (org_id, row_hash) do nothing` moves the new ones in. Re-loading the
 * same rows changes nothing.
 *
 * The staging table's columns are all `text`, not `(like cost_records)`: the COPY then cannot fail
 * on a value, and every cast (numeric, timestamptz, jsonb) happens in the insert, where a failure is
 * an ordinary query error. postgres.js 3.4 never settles a COPY writable whose server error arrives
 * after `end()` (porsager/postgres#1173): a typed COPY that failed on its last rows would hang the
 * import with its transaction open.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import type { CostRow } from '../ingest/costs/index.js';

export interface CostLoadMeta {
  /** `file` (sourceId = the import) or `azure_api` (sourceId = the connection). */
  source: 'file' | 'azure_api';
  sourceId: string;
  /** One id per load, stored on every inserted row (`ingest_batch`). */
  batchId: string;
}

export interface CostLoadResult {
  /** Rows that were new. */
  inserted: number;
  /** Rows whose hash was already stored for this organization (loaded before, or twice in this batch). */
  unchanged: number;
}

export interface CurrencyTotal {
  currency: string;
  /** Sum of billed cost in Postgres `numeric`, as a decimal string. */
  amount: string;
  rows: number;
}

export interface CostLoadSummary extends CostLoadResult {
  /** Rows streamed in (inserted + unchanged). */
  staged: number;
  /** Billed cost per currency over every row given (new or not), summed in SQL; sorted by currency. */
  totals: CurrencyTotal[];
  /** Earliest charge period start and latest end over every row given; null when there were none. */
  periodStart: Date | null;
  periodEnd: Date | null;
}

export type CostSql = postgres.Sql | postgres.TransactionSql;

/** Where a load spends its time in Postgres, for benchmarks: each phase's statements, summed. */
export type CostLoadPhase = 'stage-copy' | 'insert' | 'summary';
export interface CostLoadOptions {
  /** Called after each statement of a phase with its duration in milliseconds. */
  onTiming?: (phase: CostLoadPhase, ms: number) => void;
}
export type CostRowWithHash = { row: CostRow; hash: string };

/**
 * Streams `rows` into `cost_records` for `orgId`. Inside the caller's transaction when given a
 * TransactionSql (the rows then commit or roll back with the caller's work, and the call itself is
 * atomic: a savepoint undoes its batches if it fails); in its own transaction when given a pool.
 * Memory stays bounded whatever the row count: the iterable is pulled only as fast as Postgres keeps
 * up, with at most two batches of encoded rows held. If `rows` throws, the error propagates and
 * nothing of this call remains.
 */
export async function loadCostRows(sql: CostSql, orgId: string, rows: AsyncIterable<CostRowWithHash>, meta: CostLoadMeta, options: CostLoadOptions = {}): Promise<CostLoadResult> {
  const { inserted, unchanged } = await inTransaction(sql, (tx) => load(tx, orgId, rows, meta, false, options));
  return { inserted, unchanged };
}

/** `loadCostRows`, plus totals and the period covered, computed in SQL over the staged rows. */
export function loadCostRowsWithSummary(
  sql: CostSql,
  orgId: string,
  rows: AsyncIterable<CostRowWithHash>,
  meta: CostLoadMeta,
  options: CostLoadOptions = {},
): Promise<CostLoadSummary> {
  return inTransaction(sql, (tx) => load(tx, orgId, rows, meta, true, options));
}

const isTransaction = (sql: CostSql): sql is postgres.TransactionSql => typeof (sql as { savepoint?: unknown }).savepoint === 'function';

async function inTransaction<T>(sql: CostSql, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  if (isTransaction(sql)) return (await sql.savepoint((sp) => fn(sp))) as T;
  return (await sql.begin((tx) => fn(tx))) as T;
}

/** Staging columns, in COPY order; all text. The constant columns (org, source, batch) are added by the insert. */
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
] as const;

type StageColumn = (typeof STAGE_COLUMNS)[number];
const CASTS: Partial<Record<StageColumn, string>> = {
  charge_period_start: 'timestamptz',
  charge_period_end: 'timestamptz',
  billed_cost: 'numeric',
  effective_cost: 'numeric',
  list_cost: 'numeric',
  consumed_quantity: 'numeric',
  tags: 'jsonb',
};

/** COPY data is sent in chunks of about this many characters (fewer, larger CopyData messages). */
const CHUNK_CHARS = 128 * 1024;

/**
 * Rows per staged batch. While Postgres copies and inserts one batch, the next one is being parsed
 * and encoded: parsing (JavaScript) and inserting (Postgres) overlap instead of adding up. Small
 * enough that a batch (about 10,000 × 0.45 KB) stays in the session's temp buffers (8 MB by default)
 * and sorts in memory under SORT_WORK_MEM: at 50,000 rows the staging table spilled to disk and the
 * sort by hash became an external merge (0.9 s of a 3.7 s insert in one measurement; 0.5 s in memory).
 */
const BATCH_ROWS = 10_000;

/** work_mem for the load's statements (restored afterwards): a batch's sort by hash fits in it. */
const SORT_WORK_MEM = '32MB';

/**
 * 1. Create the staging table (and, for a summary, a table of per-batch subtotals).
 * 2. Encode rows into COPY text; every BATCH_ROWS rows, hand the batch to Postgres: truncate the
 *    staging table, COPY the batch in, insert the new rows, note the batch's subtotals.
 * 3. Flush the last batch, read the summary, drop both tables.
 */
async function load(
  tx: postgres.TransactionSql,
  orgId: string,
  rows: AsyncIterable<CostRowWithHash>,
  meta: CostLoadMeta,
  summarize: boolean,
  options: CostLoadOptions,
): Promise<CostLoadSummary> {
  const timed = async <T>(phase: CostLoadPhase, statement: () => Promise<T>): Promise<T> => {
    if (!options.onTiming) return statement();
    const started = performance.now();
    const result = await statement();
    options.onTiming(phase, performance.now() - started);
    return result;
  };
  // unique per call: a caller may load several times in one transaction
  const suffix = randomBytes(6).toString('hex');
  const stage = `cost_stage_${suffix}`;
  const subtotals = `cost_stage_sums_${suffix}`;
  await tx.unsafe(`create temp table ${stage} (${STAGE_COLUMNS.map((c) => `${c} text`).join(', ')}) on commit drop`);
  if (summarize) await tx.unsafe(`create temp table ${subtotals} (currency text, amount numeric, rows bigint, start_at timestamptz, end_at timestamptz) on commit drop`);
  // transaction-local, and put back at the end: the caller's later statements keep their own setting
  const [{ work_mem: callerWorkMem }] = await tx<{ work_mem: string }[]>`select current_setting('work_mem') as work_mem, set_config('work_mem', ${SORT_WORK_MEM}, true)`;

  const select = STAGE_COLUMNS.map((c) => (CASTS[c] ? `${c}::${CASTS[c]}` : c)).join(', ');
  let inserted = 0;
  const flush = async (chunks: Buffer[]) => {
    await timed('stage-copy', async () => {
      await tx.unsafe(`truncate ${stage}`);
      const writable = await tx.unsafe(`copy ${stage} (${STAGE_COLUMNS.join(', ')}) from stdin`).writable();
      await pipeline(Readable.from(chunks, { highWaterMark: 4 }), writable);
    });
    // sorted by hash: the unique index is then walked in order, each leaf page visited once per batch
    const result = await timed('insert', () => tx.unsafe(
      `insert into cost_records (org_id, source, source_id, ingest_batch, ${STAGE_COLUMNS.join(', ')})
       select $1::uuid, $2, $3::uuid, $4::uuid, ${select} from ${stage} order by row_hash
       on conflict (org_id, row_hash) do nothing`,
      [orgId, meta.source, meta.sourceId, meta.batchId],
    ));
    inserted += result.count;
    if (summarize) {
      await timed('summary', () => tx.unsafe(
        `insert into ${subtotals} select currency, sum(billed_cost::numeric), count(*), min(charge_period_start::timestamptz), max(charge_period_end::timestamptz)
         from ${stage} group by currency`,
      ));
    }
  };

  let staged = 0;
  // the batch Postgres is working on; a failure surfaces at the next hand-over (or the end)
  let inFlight: Promise<void> = Promise.resolve();
  const settled = () => inFlight.then(
    () => undefined,
    () => undefined,
  );
  try {
    // encoded at once: bytes outside the JS heap are not traced or copied by the garbage collector
    let chunks: Buffer[] = [];
    let chunk = '';
    let batchRows = 0;
    for await (const { row, hash } of rows) {
      chunk += encodeCostRowLine(row, hash);
      staged++;
      batchRows++;
      if (chunk.length >= CHUNK_CHARS) {
        chunks.push(Buffer.from(chunk));
        chunk = '';
      }
      if (batchRows >= BATCH_ROWS) {
        chunks.push(Buffer.from(chunk));
        await inFlight;
        inFlight = flush(chunks);
        // observed here so a failure is not unhandled while parsing continues; still thrown at the next await
        inFlight.catch(() => undefined);
        chunks = [];
        chunk = '';
        batchRows = 0;
      }
    }
    await inFlight;
    if (batchRows > 0) await flush([...chunks, Buffer.from(chunk)]);
  } catch (err) {
    // the transaction can only roll back once no COPY or insert of ours is running on its connection
    await settled();
    throw err;
  }

  let totals: CurrencyTotal[] = [];
  let periodStart: Date | null = null;
  let periodEnd: Date | null = null;
  if (summarize && staged > 0) {
    // ISO text, not timestamptz: drizzle swaps the shared client's date parsers for identity ones
    const byCurrency = await tx.unsafe<{ currency: string; amount: string; rows: number; start: string; end: string }[]>(
      `select currency, sum(amount)::text as amount, sum(rows)::int as rows, ${isoUtc('min(start_at)')} as start, ${isoUtc('max(end_at)')} as end
       from ${subtotals} group by currency order by currency`,
    );
    totals = byCurrency.map(({ currency, amount, rows: n }) => ({ currency, amount, rows: n }));
    periodStart = new Date(byCurrency.map((r) => r.start).sort()[0]);
    periodEnd = new Date(byCurrency.map((r) => r.end).sort().at(-1)!);
  }
  // the tables would go at commit; dropping them now frees their space for the rest of a long transaction
  await tx.unsafe(`drop table ${stage}${summarize ? `, ${subtotals}` : ''}`);
  await tx`select set_config('work_mem', ${callerWorkMem}, true)`;
  return { inserted, unchanged: staged - inserted, staged, totals, periodStart, periodEnd };
}

/** A timestamptz expression as ISO 8601 text in UTC (sorts as text, parses with `new Date`). */
export const isoUtc = (expr: string) => `to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

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
  const tags = JSON.stringify(row.tags);
  // JSON writes NUL as the escape \u0000, which jsonb refuses (the cast would fail the insert, not the COPY)
  if (tags.includes('\\u0000') && Object.entries(row.tags).some(([k, t]) => k.includes('\0') || t.includes('\0'))) {
    throw new RangeError(`cost row ${hash}: tags contain a NUL character, which Postgres cannot store`);
  }
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
    '\t' + row.chargePeriodStart.toISOString() +
    '\t' + row.chargePeriodEnd.toISOString() +
    '\t' + v(row.billedCost, 'billedCost') +
    '\t' + v(row.effectiveCost, 'effectiveCost') +
    '\t' + v(row.listCost, 'listCost') +
    '\t' + v(row.currency, 'currency') +
    '\t' + v(row.consumedQuantity, 'consumedQuantity') +
    '\t' + v(row.consumedUnit, 'consumedUnit') +
    '\t' + v(tags, 'tags') +
    '\n'
  );
}

/** True when a row holds a NUL character anywhere (such rows cannot be stored; importers quarantine them). */
export function costRowHasNul(row: CostRow): boolean {
  for (const value of Object.values(row)) {
    if (typeof value === 'string' && value.includes('\0')) return true;
  }
  for (const [key, value] of Object.entries(row.tags)) {
    if (key.includes('\0') || value.includes('\0')) return true;
  }
  return false;
}
