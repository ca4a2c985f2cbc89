/**
 * Loads normalised bill lines into `cost_records`, in batches, with `COPY … FROM STDIN` straight into
 * the table: COPY inserts many rows per call (one WAL record per page, not per row), where an
 * `insert … select` from a staging table inserts them one by one (bench/cost-import measured the
 * latter at about twice the time of the COPY it follows). Re-loading the same rows changes nothing:
 * before each batch is copied, only its keys (hash, period, currency, amount) go to a small temporary
 * table, the hashes already stored are looked up through the unique key, and those rows, and copies
 * within the batch, are left out of the COPY. Loads of one organization take turns (an advisory lock
 * held to the end of the transaction: services/cost-write-lock), so no other load can store one of the batch's hashes between
 * the lookup and the COPY.
 *
 * postgres.js 3.4 never settles a COPY writable whose server error arrives after `end()`
 * (porsager/postgres#1173): `copyIn` also listens on the query's own rejection, so a COPY that fails
 * on its last rows fails the load instead of hanging it with its transaction open. Values reach the
 * COPY already checked (the mappers parse dates, decimals and currencies; NUL is refused when
 * encoding), so such failures are not expected, only survived.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import type { CostRow } from '../ingest/costs/index.js';
import { ensureCostPartitions, monthOf } from './cost-partitions.js';
import { invalidateCostDays } from './cost-rollup.js';
import { lockCostWrites } from './cost-write-lock.js';

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
export type CostLoadPhase = 'keys-copy' | 'lookup' | 'copy' | 'summary';
export const COST_LOAD_PHASES: readonly CostLoadPhase[] = ['keys-copy', 'lookup', 'copy', 'summary'];
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

/** `loadCostRows`, plus totals and the period covered, computed in SQL over every row given. */
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
] as const;

/** Every column a load writes, in COPY order. */
export const LOAD_COLUMNS = ['org_id', 'source', 'source_id', 'ingest_batch', ...STAGE_COLUMNS] as const;

/** COPY data is sent in chunks of about this many characters (fewer, larger CopyData messages). */
const CHUNK_CHARS = 128 * 1024;

/**
 * Rows per batch. While Postgres looks up and copies one batch, the next one is being parsed and
 * encoded: parsing (JavaScript) and copying (Postgres) overlap instead of adding up.
 */
const BATCH_ROWS = 10_000;

/**
 * One batch on its way to Postgres. Rows are encoded into COPY buffers as they come (a row's text
 * then no longer keeps the parsed file's strings alive), on the bet that none is stored yet, which is
 * the case for all but re-imports; `fresh` re-encodes only when the lookup finds some.
 */
class Batch {
  readonly items: CostRowWithHash[] = [];
  readonly chunks: Buffer[] = [];
  #chunk = '';
  #keys = '';
  /** Hashes in the batch, and whether one came twice. */
  readonly #hashes = new Set<string>();
  repeats = false;

  constructor(private readonly prefix: string) {}

  get size(): number {
    return this.items.length;
  }

  add(item: CostRowWithHash): void {
    this.items.push(item);
    if (this.#hashes.has(item.hash)) this.repeats = true;
    else this.#hashes.add(item.hash);
    this.#chunk += this.prefix + encodeCostRowLine(item.row, item.hash);
    this.#keys += encodeCostKeyLine(item.row, item.hash);
    if (this.#chunk.length >= CHUNK_CHARS) this.#cut();
  }

  #cut(): void {
    if (this.#chunk) this.chunks.push(Buffer.from(this.#chunk));
    this.#chunk = '';
  }

  /** The keys table's COPY text. */
  keys(): Buffer {
    this.#cut();
    return Buffer.from(this.#keys);
  }

  /** COPY buffers of the rows whose hash is not in `stored`, each hash once; and their count. */
  fresh(stored: ReadonlySet<string>): { chunks: Iterable<Buffer>; rows: number } {
    this.#cut();
    if (stored.size === 0 && !this.repeats) return { chunks: this.chunks, rows: this.items.length };
    const seen = new Set(stored);
    const lines: string[] = [];
    for (const { row, hash } of this.items) {
      if (seen.has(hash)) continue;
      seen.add(hash);
      lines.push(this.prefix + encodeCostRowLine(row, hash));
    }
    return { chunks: chunked(lines), rows: lines.length };
  }
}

/** COPYs `chunks` through `statement`; rejects on a server error, also one that arrives after the data ends. */
export async function copyIn(tx: postgres.TransactionSql, statement: string, chunks: Iterable<Buffer | string>): Promise<void> {
  const query = tx.unsafe(statement) as unknown as postgres.PendingQuery<postgres.Row[]> & { reject: (err: unknown) => void };
  let failCopy: (err: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    failCopy = reject;
  });
  failed.catch(() => undefined);
  // the query's promise was already resolved with the writable, so its rejection is the only sign of a late error
  const reject = query.reject;
  query.reject = (err: unknown) => {
    failCopy(err);
    reject(err);
  };
  const writable = await query.writable();
  await Promise.race([pipeline(Readable.from(chunks, { highWaterMark: 4 }), writable), failed]);
}

/** `lines` joined into buffers of about CHUNK_CHARS characters. */
function* chunked(lines: readonly string[]): Generator<Buffer> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length >= CHUNK_CHARS) {
      yield Buffer.from(chunk);
      chunk = '';
    }
  }
  if (chunk) yield Buffer.from(chunk);
}

/**
 * 1. Take the organization's load lock; create the keys table (and, for a summary, a table of
 *    per-batch subtotals).
 * 2. Encode rows into COPY text; every BATCH_ROWS rows, hand the batch to Postgres: create the
 *    months it needs, copy its keys, look up the hashes already stored, copy the other rows into
 *    cost_records, note the batch's subtotals.
 * 3. Flush the last batch, mark the days it touched for the explorer's rollup, read the summary.
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
  await lockCostWrites(tx, orgId);
  const [caller] = await tx<{ seqscan: string; indexscan: string; bitmapscan: string; jit: string }[]>`
    select current_setting('enable_seqscan') as seqscan, current_setting('enable_indexscan') as indexscan,
           current_setting('enable_bitmapscan') as bitmapscan, current_setting('jit') as jit`;
  // unique per call: a caller may load several times in one transaction
  const suffix = randomBytes(6).toString('hex');
  const keys = `cost_keys_${suffix}`;
  const subtotals = `cost_keys_sums_${suffix}`;
  await tx.unsafe(`create temp table ${keys} (row_hash text, charge_period_start timestamptz, charge_period_end timestamptz, currency text, billed_cost numeric) on commit drop`);
  if (summarize) await tx.unsafe(`create temp table ${subtotals} (currency text, amount numeric, rows bigint, start_at timestamptz, end_at timestamptz) on commit drop`);

  const prefix = `${orgId}\t${meta.source}\t${meta.sourceId}\t${meta.batchId}\t`;
  // months seen in the rows so far, and those whose partitions this load has made sure of
  const months = new Set<string>();
  const ensured = new Set<string>();
  let minStart = Infinity;
  let maxStart = -Infinity;
  let inserted = 0;
  const flush = async (batch: Batch) => {
    const newMonths = [...months].filter((m) => !ensured.has(m));
    if (newMonths.length > 0) {
      await ensureCostPartitions(tx, newMonths);
      for (const m of newMonths) ensured.add(m);
    }
    await timed('keys-copy', async () => {
      await tx.unsafe(`truncate ${keys}`);
      await copyIn(tx, `copy ${keys} from stdin`, [batch.keys()]);
    });
    // one probe of the unique key per row (lateral … limit 1 keeps it a nested loop): as a semi-join the
    // planner hashed every stored row of the organization, once per batch. Only an index-only scan (of the
    // row-hash key: the primary key lacks the hash) is left to it for the statement: a month this load has
    // just filled has no statistics yet, and the planner then scanned the partition, or the primary key's
    // whole period with the hash as a filter, once per row (30-45 s for 25,000 rows in one transaction)
    const stored = await timed('lookup', async () => {
      await tx`select set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', true),
                      set_config('jit', 'off', true)`;
      const found = await tx.unsafe<{ row_hash: string }[]>(
        `select k.row_hash from ${keys} k
         cross join lateral (select 1 from cost_records c
                             where c.org_id = $1 and c.row_hash = k.row_hash and c.charge_period_start = k.charge_period_start limit 1) stored`,
        [orgId],
      );
      await tx`select set_config('enable_seqscan', ${caller.seqscan}, true), set_config('enable_indexscan', ${caller.indexscan}, true),
                      set_config('enable_bitmapscan', ${caller.bitmapscan}, true), set_config('jit', ${caller.jit}, true)`;
      return found;
    });
    // a second copy of a hash in the same batch counts as stored: the first one is
    const fresh = batch.fresh(new Set(stored.map((r) => r.row_hash)));
    if (fresh.rows > 0) await timed('copy', () => copyIn(tx, `copy cost_records (${LOAD_COLUMNS.join(', ')}) from stdin`, fresh.chunks));
    inserted += fresh.rows;
    if (summarize) {
      await timed('summary', () => tx.unsafe(
        `insert into ${subtotals} select currency, sum(billed_cost), count(*), min(charge_period_start), max(charge_period_end) from ${keys} group by currency`,
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
    let batch = new Batch(prefix);
    for await (const item of rows) {
      batch.add(item);
      const start = item.row.chargePeriodStart.getTime();
      if (start < minStart) minStart = start;
      if (start > maxStart) maxStart = start;
      months.add(monthOf(item.row.chargePeriodStart));
      staged++;
      if (batch.size >= BATCH_ROWS) {
        await inFlight;
        inFlight = flush(batch);
        // observed here so a failure is not unhandled while parsing continues; still thrown at the next await
        inFlight.catch(() => undefined);
        batch = new Batch(prefix);
      }
    }
    await inFlight;
    if (batch.size > 0) await flush(batch);
  } catch (err) {
    // the transaction can only roll back once no COPY of ours is running on its connection
    await settled();
    throw err;
  }
  if (inserted > 0) await invalidateCostDays(tx, orgId, new Date(minStart), new Date(maxStart));

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
  await tx.unsafe(`drop table ${keys}${summarize ? `, ${subtotals}` : ''}`);
  return { inserted, unchanged: staged - inserted, staged, totals, periodStart, periodEnd };
}

/** The keys table's line for a row: hash, period, currency and billed cost. */
function encodeCostKeyLine(row: CostRow, hash: string): string {
  return `${copyTextValue(hash, 'row_hash')}\t${row.chargePeriodStart.toISOString()}\t${row.chargePeriodEnd.toISOString()}\t${copyTextValue(row.currency, 'currency')}\t${copyTextValue(row.billedCost, 'billedCost')}\n`;
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
