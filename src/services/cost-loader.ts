/**
 * Loads normalised bill lines into `cost_records`, in batches, with `COPY … FROM STDIN` straight into
 * the table: COPY inserts many rows per call (one WAL record per page, not per row), where an
 * `insert … select` from a staging table inserts them one by one (bench/cost-import measured the
 * latter at about twice the time of the COPY it follows). Re-loading the same rows changes nothing:
 * before a batch is copied, unless its months held no rows of the organization before the load (see
 * `load`), its keys (hash, period start) go to a small temporary table, the hashes already stored are
 * looked up through the unique key, and those rows, and copies within the batch, are left out of the
 * COPY. Loads of one organization take turns (an advisory lock held to the end of the transaction:
 * services/cost-write-lock), so no other load can store one of the batch's hashes between the lookup
 * and the COPY.
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
import { batchHashes, encodeCostBatches, type CostScope, type EncodedCostBatch } from './cost-batch.js';
import { LOAD_COLUMNS, loadPrefix } from './cost-copy-text.js';
import { ensureCostPartitions, monthsWithRows } from './cost-partitions.js';
import { invalidateCostDays } from './cost-rollup.js';
import { CostReplacement, ReplacedRegion, type CostReplace, type CostReplaced } from './cost-replace.js';
import { lockCostWrites } from './cost-write-lock.js';
import { adoptLegacyRows, type LegacyRowsTaken } from './legacy-row-hash.js';

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
  /** With `replace`: the earlier lines the load replaced. */
  replaced: CostReplaced | null;
  /** The sub accounts the rows bill, each once. */
  scopes: CostScope[];
  /** Lines stored under their old hash, found again (services/legacy-row-hash). */
  legacy: LegacyRowsTaken;
}

export type CostSql = postgres.Sql | postgres.TransactionSql;

/** Where a load spends its time in Postgres, for benchmarks: each phase's statements, summed. */
export type CostLoadPhase = 'adopt' | 'keys-copy' | 'lookup' | 'replace' | 'copy' | 'summary';
export const COST_LOAD_PHASES: readonly CostLoadPhase[] = ['adopt', 'keys-copy', 'lookup', 'replace', 'copy', 'summary'];
export interface CostLoadOptions {
  /** Called after each statement of a phase with its duration in milliseconds. */
  onTiming?: (phase: CostLoadPhase, ms: number) => void;
  /** The rows are a file that replaces earlier imports' lines of its sub accounts and days (services/cost-replace). */
  replace?: CostReplace;
}
export type CostRowWithHash = { row: CostRow; hash: string };

/**
 * Streams `rows` into `cost_records` for `orgId`. Inside the caller's transaction when given a
 * TransactionSql (the rows then commit or roll back with the caller's work, and the call itself is
 * atomic: a savepoint undoes its batches if it fails); in its own transaction when given a pool.
 * Memory stays bounded whatever the row count: the iterable is pulled only as fast as Postgres keeps
 * up, with a few batches of encoded rows held (each at most BATCH_ROWS rows and about BATCH_BYTES of
 * text); what grows with the row count is the load's hashes, 12 bytes each in a table at most half
 * full. If `rows` throws, the error propagates and nothing of this call remains.
 */
export async function loadCostRows(sql: CostSql, orgId: string, rows: AsyncIterable<CostRowWithHash>, meta: CostLoadMeta, options: CostLoadOptions = {}): Promise<CostLoadResult> {
  const batches = encodeCostBatches(rows, loadPrefix(orgId, meta));
  const { inserted, unchanged } = await inTransaction(sql, (tx) => load(tx, orgId, batches, false, options));
  return { inserted, unchanged };
}

/** `loadCostRows`, plus totals (summed in SQL) and the period covered, over every row given. */
export function loadCostRowsWithSummary(
  sql: CostSql,
  orgId: string,
  rows: AsyncIterable<CostRowWithHash>,
  meta: CostLoadMeta,
  options: CostLoadOptions = {},
): Promise<CostLoadSummary> {
  return inTransaction(sql, (tx) => load(tx, orgId, encodeCostBatches(rows, loadPrefix(orgId, meta)), true, options));
}

/**
 * `loadCostRowsWithSummary` of rows already encoded (by a CostBatchEncoder given `loadPrefix(orgId, meta)`
 * of the same load), such as the file import's worker thread hands over.
 */
export function loadCostBatchesWithSummary(sql: CostSql, orgId: string, batches: AsyncIterable<EncodedCostBatch>, options: CostLoadOptions = {}): Promise<CostLoadSummary> {
  return inTransaction(sql, (tx) => load(tx, orgId, batches, true, options));
}

const isTransaction = (sql: CostSql): sql is postgres.TransactionSql => typeof (sql as { savepoint?: unknown }).savepoint === 'function';

async function inTransaction<T>(sql: CostSql, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  if (isTransaction(sql)) return (await sql.savepoint((sp) => fn(sp))) as T;
  return (await sql.begin((tx) => fn(tx))) as T;
}

/** COPY data is sent in chunks of this many bytes (fewer, larger CopyData messages). */
const CHUNK_BYTES = 128 * 1024;

/** COPYs `chunks` through `statement`; rejects on a server error, also one that arrives after the data ends. */
export async function copyIn(tx: postgres.TransactionSql, statement: string, chunks: Iterable<Buffer | Uint8Array | string>): Promise<void> {
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

type FreshRows = { chunks: Iterable<Uint8Array>; rows: number };

/** The batch's whole COPY text. */
const allRows = (batch: EncodedCostBatch): FreshRows => ({ chunks: sliced(batch.text), rows: batch.rows });

/** The batch's COPY text, without the rows whose hash is in `stored` and without second copies of a hash; and how many rows are left. */
function freshRows(batch: EncodedCostBatch, hashes: readonly string[], stored: ReadonlySet<string>): FreshRows {
  if (stored.size === 0 && !batch.repeats) return allRows(batch);
  const seen = new Set(stored);
  const parts: Uint8Array[] = [];
  let rows = 0;
  for (let i = 0; i < batch.rows; i++) {
    const hash = hashes[i];
    if (seen.has(hash)) continue;
    seen.add(hash);
    parts.push(batch.text.subarray(i === 0 ? 0 : batch.ends[i - 1], batch.ends[i]));
    rows++;
  }
  return { chunks: sliced(Buffer.concat(parts)), rows };
}

/** `bytes` in views of CHUNK_BYTES (no copy: COPY data need not break at lines). */
function* sliced(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
}

/**
 * The lookup's keys table text: hash (hex digits and dashes, nothing to escape), charge period start and billing
 * period start (or null) of each row.
 */
function keysText(batch: EncodedCostBatch, hashes: readonly string[]): string {
  let text = '';
  for (let i = 0; i < batch.rows; i++) {
    const billing = batch.billingStarts[i];
    text += `${hashes[i]}\t${new Date(batch.starts[i]).toISOString()}\t${Number.isNaN(billing) ? '\\N' : new Date(billing).toISOString()}\n`;
  }
  return text;
}

/**
 * 1. Take the organization's load lock; for a summary, create a table of per-batch subtotals.
 * 2. For each batch: create the months it needs, and note which of them held rows of the organization
 *    before this load; unless every month of the batch was empty then (and no hash of the batch came
 *    earlier in the load), give lines stored under an old hash of one of its rows the row's hash
 *    (services/legacy-row-hash: only rows billed elsewhere have one), copy its keys and look up the
 *    hashes already stored; copy the other rows into cost_records; note the batch's subtotals. While
 *    Postgres works on one batch, the next is being parsed and encoded.
 * 3. Mark the days the load touched for the explorer's rollup, read the summary.
 *
 * Skipping the lookup is sound because a stored row can only match one of the batch's rows with the
 * same charge period start, so in the same month; a month without rows of the organization when the
 * load first met it has since received only this load's rows (loads of one organization take turns),
 * whose hashes the encoder has all seen. That is every month of a first import, where the keys copy
 * and lookup cost Postgres about as much as the rows' own COPY.
 */
async function load(
  tx: postgres.TransactionSql,
  orgId: string,
  batches: AsyncIterable<EncodedCostBatch>,
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
  // unique per call: a caller may load several times in one transaction
  const suffix = randomBytes(6).toString('hex');
  const replacement = options.replace ? await CostReplacement.begin(tx, orgId, options.replace, suffix) : null;
  const region = new ReplacedRegion();
  const keys = `cost_keys_${suffix}`;
  const subtotals = `cost_keys_sums_${suffix}`;
  if (summarize) await tx.unsafe(`create temp table ${subtotals} (currency text, amount numeric, rows bigint) on commit drop`);

  // each month this load has met: whether the organization had rows in it before
  const occupied = new Map<string, boolean>();
  let minStart = Infinity;
  let maxStart = -Infinity;
  let maxEnd = -Infinity;
  let maxDayEnd = -Infinity;
  let inserted = 0;
  let staged = 0;
  const legacy: LegacyRowsTaken = { adopted: 0, unproven: [] };

  // the caller's planner settings, which each lookup sets aside for its statement (read at the first)
  let caller: { seqscan: string; indexscan: string; bitmapscan: string; jit: string } | undefined;
  const lookup = async (batch: EncodedCostBatch, hashes: readonly string[]): Promise<Set<string>> => {
    if (!caller) {
      await tx.unsafe(`create temp table ${keys} (row_hash uuid, charge_period_start timestamptz, billing_period_start timestamptz) on commit drop`);
      [caller] = await tx<{ seqscan: string; indexscan: string; bitmapscan: string; jit: string }[]>`
        select current_setting('enable_seqscan') as seqscan, current_setting('enable_indexscan') as indexscan,
               current_setting('enable_bitmapscan') as bitmapscan, current_setting('jit') as jit`;
    }
    const settings = caller;
    await timed('keys-copy', async () => {
      await tx.unsafe(`truncate ${keys}`);
      await copyIn(tx, `copy ${keys} from stdin`, [keysText(batch, hashes)]);
    });
    // a replacing load looks the keys up itself, and removes earlier imports' copies of the batch's lines: it stores them again as its own
    if (replacement) return timed('replace', () => replacement.takeOver(keys));
    // one probe of the unique key per row (lateral … limit 1 keeps it a nested loop): as a semi-join the
    // planner hashed every stored row of the organization, once per batch. Only an index-only scan (of the
    // primary key, which ends with the hash) is left to it for the statement: a month this load has
    // just filled has no statistics yet, and the planner then scanned the partition, or the primary key's
    // whole period with the hash as a filter, once per row (30-45 s for 25,000 rows in one transaction)
    return timed('lookup', async () => {
      await tx`select set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true), set_config('enable_bitmapscan', 'off', true),
                      set_config('jit', 'off', true)`;
      const found = await tx.unsafe<{ row_hash: string }[]>(
        `select k.row_hash from ${keys} k
         cross join lateral (select 1 from cost_records c
                             where c.org_id = $1 and c.row_hash = k.row_hash and c.charge_period_start = k.charge_period_start limit 1) stored`,
        [orgId],
      );
      await tx`select set_config('enable_seqscan', ${settings.seqscan}, true), set_config('enable_indexscan', ${settings.indexscan}, true),
                      set_config('enable_bitmapscan', ${settings.bitmapscan}, true), set_config('jit', ${settings.jit}, true)`;
      return new Set(found.map((r) => r.row_hash));
    });
  };

  const flush = async (batch: EncodedCostBatch) => {
    const met = batch.months.filter((m) => !occupied.has(m));
    if (met.length > 0) {
      await ensureCostPartitions(tx, met);
      const before = await monthsWithRows(tx, orgId, met);
      for (const m of met) occupied.set(m, before.has(m));
    }
    const mayBeStored = batch.repeats || batch.months.some((m) => occupied.get(m));
    // the hashes read out of the batch once, for the lookup's keys and the filter both
    const hashes = mayBeStored ? batchHashes(batch) : null;
    // before the lookup, which then finds them under the hash the batch gives them
    if (hashes && batch.legacy.length > 0 && batch.months.some((m) => occupied.get(m))) {
      const taken = await timed('adopt', () => adoptLegacyRows(tx, orgId, batch, hashes));
      legacy.adopted += taken.adopted;
      legacy.unproven.push(...taken.unproven);
    }
    const fresh = hashes ? freshRows(batch, hashes, await lookup(batch, hashes)) : allRows(batch);
    // the subtotals go out ahead of the COPY, without waiting for their answer: Postgres runs them in
    // order, and the COPY's data does not wait a round trip for them
    const statements: Promise<unknown>[] = [];
    if (summarize) {
      statements.push(timed('summary', () => tx.unsafe(
        // string_to_table: no array of 10,000 texts built first (a third less of this statement's time)
        `insert into ${subtotals} select c, sum(a::numeric), count(*)
         from unnest(string_to_array($1, ';'), string_to_array($2, ';')) t(c, list), string_to_table(list, ',') a group by c`,
        [batch.currencies.join(';'), batch.amounts.join(';')],
      )));
    }
    if (fresh.rows > 0) statements.push(timed('copy', () => copyIn(tx, `copy cost_records (${LOAD_COLUMNS.join(', ')}) from stdin`, fresh.chunks)));
    // every statement settled before this batch counts as done (no COPY may still hold the connection), and
    // the first failure in statement order is the cause: a later one may only say the transaction is aborted
    const failure = (await Promise.allSettled(statements)).find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    inserted += fresh.rows;
  };

  // the batch Postgres is working on; a failure surfaces at the next hand-over (or the end)
  let inFlight: Promise<void> = Promise.resolve();
  const settled = () => inFlight.then(
    () => undefined,
    () => undefined,
  );
  try {
    for await (const batch of batches) {
      if (batch.minStart < minStart) minStart = batch.minStart;
      if (batch.maxStart > maxStart) maxStart = batch.maxStart;
      if (batch.maxEnd > maxEnd) maxEnd = batch.maxEnd;
      if (batch.maxDayEnd > maxDayEnd) maxDayEnd = batch.maxDayEnd;
      region.add(batch);
      staged += batch.rows;
      await inFlight;
      inFlight = flush(batch);
      // observed here so a failure is not unhandled while parsing continues; still thrown at the next await
      inFlight.catch(() => undefined);
    }
    await inFlight;
  } catch (err) {
    // the transaction can only roll back once no COPY of ours is running on its connection
    await settled();
    throw err;
  }
  if (inserted > 0) await invalidateCostDays(tx, orgId, new Date(minStart), new Date(maxStart));
  const replaced = replacement ? await timed('replace', () => replacement.finish(region, minStart, maxStart, maxDayEnd)) : null;
  if (replaced && replaced.rows + replaced.synced.rows > 0 && replaced.from && replaced.to) await invalidateCostDays(tx, orgId, replaced.from, new Date(replaced.to.getTime() - 1));

  let totals: CurrencyTotal[] = [];
  let periodStart: Date | null = null;
  let periodEnd: Date | null = null;
  if (summarize && staged > 0) {
    const byCurrency = await tx.unsafe<{ currency: string; amount: string; rows: number }[]>(
      `select currency, sum(amount)::text as amount, sum(rows)::int as rows from ${subtotals} group by currency order by currency`,
    );
    totals = byCurrency.map(({ currency, amount, rows: n }) => ({ currency, amount, rows: n }));
    periodStart = new Date(minStart);
    periodEnd = new Date(maxEnd);
  }
  // the tables would go at commit; dropping them now frees their space for the rest of a long transaction
  const tables = [...(caller ? [keys] : []), ...(summarize ? [subtotals] : [])];
  if (tables.length > 0) await tx.unsafe(`drop table ${tables.join(', ')}`);
  return { inserted, unchanged: staged - inserted, staged, totals, periodStart, periodEnd, replaced, scopes: region.scopes, legacy };
}
