/**
 * Cost rows turned into what the loader sends Postgres, a batch at a time: the COPY text of
 * `cost_records` lines, and what the loader needs to know about the batch without looking at the rows
 * again (hashes and starts for the stored-hash lookup, months for partitions, amounts for the summary).
 *
 * A batch is plain data (typed arrays, strings): it can be built in a worker thread and posted to the
 * thread that talks to Postgres, its buffers transferred rather than copied.
 */
import type { CostRow } from '../ingest/costs/index.js';
import { OccurrenceTable } from '../ingest/costs/occurrence-table.js';
import { hexUint32, ROW_HASH, ROW_HASH_LENGTH } from '../ingest/costs/row-hash.js';
import { encodeCostRowLine } from './cost-copy-text.js';
import { monthOf } from './cost-partitions.js';

const DAY_MS = 86_400_000;

export interface EncodedCostBatch {
  rows: number;
  /** COPY text (LOAD_COLUMNS order) of every row, one line each. */
  text: Uint8Array;
  /** Byte offset where row i's line ends; it starts where row i - 1's ends (row 0 at 0). */
  ends: Uint32Array;
  /** The rows' hashes, one after the other, ROW_HASH_LENGTH bytes each (see batchHashes): transferred across threads, not cloned. */
  hashes: Uint8Array;
  /** charge_period_start of each row, in epoch milliseconds. */
  starts: Float64Array;
  /** billing_period_start of each row, in epoch milliseconds; NaN for a row that names none. */
  billingStarts: Float64Array;
  /** The months (`YYYY-MM-01`) of the rows' starts, each once. */
  months: string[];
  minStart: number;
  maxStart: number;
  maxEnd: number;
  /** The latest end of a row charged for a day or less (usage; not a month's recurring charge), or -Infinity. */
  maxDayEnd: number;
  /** The summary's input: the batch's currencies, and for each the billed costs of its rows, comma-separated. */
  currencies: string[];
  amounts: string[];
  /**
   * Whether a hash may have come earlier in this load, in this batch or an earlier one. False means
   * surely not: then only rows stored before the load began can share a hash with the batch.
   */
  repeats: boolean;
  /** The sub accounts the batch's rows bill, each once: what a replacing import replaces (services/cost-replace). */
  scopes: CostScope[];
  /**
   * For each of `scopes`: the one resource group all the batch's rows of it name, or null when they name several
   * or some row names none (services/file-coverage: an export of one resource group does not cover its subscription).
   */
  scopeGroups: (string | null)[];
  /** The billing periods the rows name, [start, end) in epoch ms, each once; and whether a row named none. */
  periods: [start: number, end: number][];
  unperiodized: boolean;
  /** The rows that had another hash before lines billed elsewhere were told apart (row-hash), in order; mostly none. */
  legacy: LegacyRowHash[];
}

/** A row of a batch whose hash changed with the canonical form (CostRowHasher), and what finds its row stored before: services/legacy-row-hash. */
export interface LegacyRowHash {
  /** The row's index in its batch. */
  row: number;
  /** Its hash before (in row-hash form, namespaced as the row's hash is). */
  hash: string;
  /** Its line in the file, for the import's warnings. */
  line: number;
  /** Its billing period, epoch ms; NaN when it names none. */
  billingStart: number;
  billingEnd: number;
}

/** What the encoder takes of a row's old hash: the hash, and the row's line in its file. */
export type LegacyHashOfRow = Pick<LegacyRowHash, 'hash' | 'line'>;

/** Provider, billing account and sub account (subscription, AWS account, GCP project) of a bill line. */
export type CostScope = [provider: string, billingAccountId: string | null, subAccountId: string | null];

/** The batch's hashes, row by row. */
export function batchHashes(batch: EncodedCostBatch): string[] {
  const bytes = Buffer.from(batch.hashes.buffer, batch.hashes.byteOffset, batch.hashes.byteLength);
  const hashes = new Array<string>(batch.rows);
  for (let i = 0; i < batch.rows; i++) hashes[i] = bytes.toString('latin1', i * ROW_HASH_LENGTH, (i + 1) * ROW_HASH_LENGTH);
  return hashes;
}

/** The transferable buffers of a batch: it crosses threads without copying them. */
export function batchBuffers(batch: EncodedCostBatch): ArrayBuffer[] {
  return [batch.text.buffer, batch.ends.buffer, batch.hashes.buffer, batch.starts.buffer, batch.billingStarts.buffer] as ArrayBuffer[];
}

/** Rows per batch: the unit of one stored-hash lookup and one COPY. */
export const BATCH_ROWS = 10_000;
/**
 * A batch also ends at this much COPY text: rows can be wide (a record may be megabytes of tags), and
 * a load holds a few batches at once (being built, queued, being copied), outside any heap limit.
 */
export const BATCH_BYTES = 32 * 1024 * 1024;

/** Room for the first batch's text; it grows by doubling. Bill lines are a few hundred bytes. */
const INITIAL_BYTES = 4 * 1024 * 1024;

/**
 * Encodes rows into batches of `batchRows`. One encoder per load: it remembers the load's hashes
 * (as 64 bits each, in typed arrays, nothing for the garbage collector to trace) to say whether a
 * batch may repeat one.
 */
export class CostBatchEncoder {
  readonly #prefix: Buffer;
  readonly #seen: HashSeen | null;
  #batch: BatchBuilder;

  /**
   * `prefix`: the load's constant columns (org, source, source id, batch), tab-terminated.
   * `hashesFromOneHasher`: every hash comes from one CostRowHasher over this load's rows (a file import).
   * Those are in row-hash form and never repeat within the load (an occurrence index tells identical rows
   * apart), so the encoder neither checks nor remembers them, and no batch says it repeats a hash. Should
   * one repeat all the same, its second COPY fails on the unique key and the load with it: nothing counts twice.
   */
  constructor(
    prefix: string,
    private readonly batchRows = BATCH_ROWS,
    options: { hashesFromOneHasher?: boolean } = {},
  ) {
    this.#prefix = Buffer.from(prefix);
    this.#seen = options.hashesFromOneHasher ? null : new HashSeen();
    this.#batch = new BatchBuilder(this.#prefix, batchRows, INITIAL_BYTES);
  }

  /**
   * Adds a row, with its hash before lines billed elsewhere were told apart when that differs (`legacy`); returns the
   * batch it completed, if it did. Throws RangeError for a value Postgres cannot store (NUL), or a hash not in
   * row-hash form: the loader compares hashes as text with the ones Postgres returns, so another spelling of the
   * same uuid would read as new and then collide.
   */
  add(row: CostRow, hash: string, legacy?: LegacyHashOfRow): EncodedCostBatch | null {
    const seen = this.#seen;
    if (seen && !ROW_HASH.test(hash)) throw new RangeError(`row hash must be a lower-case hyphenated uuid, got ${JSON.stringify(hash.slice(0, 64))}`);
    if (legacy && !ROW_HASH.test(legacy.hash)) throw new RangeError(`legacy row hash must be a lower-case hyphenated uuid, got ${JSON.stringify(legacy.hash.slice(0, 64))}`);
    const line = encodeCostRowLine(row, hash);
    this.#batch.add(row, hash, line, seen !== null && seen.add(hash), legacy);
    if (this.#batch.rows < this.batchRows && this.#batch.bytes < BATCH_BYTES) return null;
    return this.#take();
  }

  /** The last, partial batch, or null when there is none. */
  finish(): EncodedCostBatch | null {
    return this.#batch.rows > 0 ? this.#take() : null;
  }

  #take(): EncodedCostBatch {
    const batch = this.#batch.build();
    // sized after the batch before (a file's lines are much alike): growing copied megabytes each batch
    this.#batch = new BatchBuilder(this.#prefix, this.batchRows, Math.min(Math.ceil(batch.text.length * 1.125), BATCH_BYTES + BATCH_BYTES / 8));
    return batch;
  }
}

/** `rows` as encoded batches (in-process; the file import does this in a worker). */
export async function* encodeCostBatches(rows: AsyncIterable<{ row: CostRow; hash: string }>, prefix: string, batchRows = BATCH_ROWS): AsyncGenerator<EncodedCostBatch> {
  const encoder = new CostBatchEncoder(prefix, batchRows);
  for await (const { row, hash } of rows) {
    const batch = encoder.add(row, hash);
    if (batch) yield batch;
  }
  const last = encoder.finish();
  if (last) yield last;
}

/** A scope a batch's rows bill, and the one resource group they name (undefined: none met yet; null: several, or a row without one). */
interface ScopeSeen {
  scope: CostScope;
  group: string | null | undefined;
}

class BatchBuilder {
  rows = 0;
  readonly #text: TextBytes;
  readonly #ends: Uint32Array;
  readonly #starts: Float64Array;
  readonly #billingStarts: Float64Array;
  readonly #hashes: TextBytes;
  /** The months met, as the instants they start (named only when the batch is built). */
  readonly #months = new Set<number>();
  /** The month of the last row's start, and that start's month bounds: rows of a file come mostly in runs of one month. */
  #monthFrom = Infinity;
  #monthTo = -Infinity;
  #minStart = Infinity;
  #maxStart = -Infinity;
  #maxEnd = -Infinity;
  #maxDayEnd = -Infinity;
  /** Billed costs by currency, comma-separated (a batch mostly has one currency). */
  readonly #amounts = new Map<string, TextBytes>();
  #repeats = false;
  /** The scopes met, by key; and the last row's, since a file's rows come in runs of one sub account. */
  readonly #scopes = new Map<string, ScopeSeen>();
  #lastScope: ScopeSeen | null = null;
  readonly #periods = new Map<string, [number, number]>();
  #lastPeriod: [number, number] | null = null;
  #unperiodized = false;
  readonly #legacy: LegacyRowHash[] = [];

  constructor(
    private readonly prefix: Buffer,
    capacity: number,
    bytes: number,
  ) {
    this.#text = new TextBytes(bytes);
    this.#ends = new Uint32Array(capacity);
    // two hashes of room beyond the batch: TextBytes reserves 3 bytes a character before each write
    this.#hashes = new TextBytes((capacity + 2) * ROW_HASH_LENGTH);
    this.#starts = new Float64Array(capacity);
    this.#billingStarts = new Float64Array(capacity);
  }

  /** COPY text so far, in bytes. */
  get bytes(): number {
    return this.#text.length;
  }

  add(row: CostRow, hash: string, line: string, seenBefore: boolean, legacy: LegacyHashOfRow | undefined): void {
    let amounts = this.#amounts.get(row.currency);
    // the summary splits these on commas and semicolons: one in either would shift every later row's amount
    if ((amounts === undefined && /[,;]/.test(row.currency)) || row.billedCost.includes(',')) {
      throw new RangeError(`cost row ${hash}: currency or billed cost contains a separator`);
    }
    this.#text.addBytes(this.prefix);
    this.#ends[this.rows] = this.#text.add(line);
    const start = row.chargePeriodStart.getTime();
    const end = row.chargePeriodEnd.getTime();
    this.#starts[this.rows] = start;
    this.#hashes.add(hash);
    if (start < this.#monthFrom || start >= this.#monthTo) this.#enterMonth(row.chargePeriodStart);
    if (start < this.#minStart) this.#minStart = start;
    if (start > this.#maxStart) this.#maxStart = start;
    if (end > this.#maxEnd) this.#maxEnd = end;
    if (end > this.#maxDayEnd && end - start <= DAY_MS) this.#maxDayEnd = end;
    if (amounts === undefined) this.#amounts.set(row.currency, (amounts = new TextBytes(64 * 1024)));
    else amounts.add(',');
    amounts.add(row.billedCost);
    if (seenBefore) this.#repeats = true;
    let seen = this.#lastScope;
    if (seen === null || seen.scope[0] !== row.provider || seen.scope[1] !== row.billingAccountId || seen.scope[2] !== row.subAccountId) seen = this.#enterScope(row);
    if (seen.group !== null) seen.group = seen.group === undefined || seen.group === row.resourceGroup ? row.resourceGroup : null;
    const from = row.billingPeriodStart?.getTime();
    const to = row.billingPeriodEnd?.getTime();
    this.#billingStarts[this.rows] = from === undefined || to === undefined ? NaN : from;
    if (from === undefined || to === undefined) this.#unperiodized = true;
    else if (this.#lastPeriod === null || this.#lastPeriod[0] !== from || this.#lastPeriod[1] !== to) this.#enterPeriod(from, to);
    if (legacy) this.#legacy.push({ row: this.rows, hash: legacy.hash, line: legacy.line, billingStart: from ?? NaN, billingEnd: to ?? NaN });
    this.rows++;
  }

  #enterPeriod(from: number, to: number): void {
    const key = `${from}/${to}`;
    const known = this.#periods.get(key);
    if (known) this.#lastPeriod = known;
    else this.#periods.set(key, (this.#lastPeriod = [from, to]));
  }

  #enterScope(row: CostRow): ScopeSeen {
    const scope: CostScope = [row.provider, row.billingAccountId, row.subAccountId];
    // JSON tells null from the text "null"
    const key = JSON.stringify(scope);
    let seen = this.#scopes.get(key);
    if (!seen) this.#scopes.set(key, (seen = { scope, group: undefined }));
    return (this.#lastScope = seen);
  }

  /** In numbers, not month names: a file whose rows alternate between months comes here on most rows. */
  #enterMonth(start: Date): void {
    const year = start.getUTCFullYear();
    const month = start.getUTCMonth();
    this.#monthFrom = Date.UTC(year, month, 1);
    this.#monthTo = Date.UTC(year, month + 1, 1);
    this.#months.add(this.#monthFrom);
  }

  build(): EncodedCostBatch {
    return {
      rows: this.rows,
      text: this.#text.bytes(),
      ends: this.#ends.subarray(0, this.rows),
      hashes: this.#hashes.bytes(),
      starts: this.#starts.subarray(0, this.rows),
      billingStarts: this.#billingStarts.subarray(0, this.rows),
      months: [...this.#months].map((from) => monthOf(new Date(from))),
      minStart: this.#minStart,
      maxStart: this.#maxStart,
      maxEnd: this.#maxEnd,
      maxDayEnd: this.#maxDayEnd,
      currencies: [...this.#amounts.keys()],
      amounts: [...this.#amounts.values()].map((a) => a.text()),
      repeats: this.#repeats,
      scopes: [...this.#scopes.values()].map((s) => s.scope),
      scopeGroups: [...this.#scopes.values()].map((s) => s.group ?? null),
      periods: [...this.#periods.values()],
      unperiodized: this.#unperiodized,
      legacy: this.#legacy,
    };
  }
}

/**
 * Text kept as UTF-8 bytes, appended to, growing by doubling: a batch's COPY text, hashes and amounts
 * until it is built. Held as strings, they were copied by every young-generation collection on the
 * way, then promoted.
 */
class TextBytes {
  #bytes: Buffer;
  #used = 0;

  constructor(capacity: number) {
    this.#bytes = Buffer.allocUnsafeSlow(capacity);
  }

  /** Bytes so far. */
  get length(): number {
    return this.#used;
  }

  /** Appends `text`; returns the byte length so far. */
  add(text: string): number {
    // worst case 3 bytes per UTF-16 unit; a short write would cut the text
    if (this.#used + text.length * 3 > this.#bytes.length) this.#grow(text.length * 3);
    return (this.#used += this.#bytes.write(text, this.#used));
  }

  /** Appends `bytes`; returns the byte length so far. */
  addBytes(bytes: Buffer): number {
    if (this.#used + bytes.length > this.#bytes.length) this.#grow(bytes.length);
    return (this.#used += bytes.copy(this.#bytes, this.#used));
  }

  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#used);
  }

  text(): string {
    return this.#bytes.toString('utf8', 0, this.#used);
  }

  #grow(needed: number): void {
    let size = this.#bytes.length * 2;
    while (size < this.#used + needed) size *= 2;
    const grown = Buffer.allocUnsafeSlow(size);
    this.#bytes.copy(grown, 0, 0, this.#used);
    this.#bytes = grown;
  }
}

/**
 * The hashes of one load, 64 of their bits (row hashes are sha256 bits, uniform already), counted in an
 * OccurrenceTable. A false "seen" (two hashes sharing 64 bits) only costs the batch a lookup it did not
 * need; a hash is never reported unseen after it was added.
 */
class HashSeen {
  readonly #table = new OccurrenceTable();

  /** Adds the hash (in ROW_HASH form); true if it (or one sharing its 64 bits) was added before. */
  add(hash: string): boolean {
    // the first and the last 8 hex digits: the uuid's dashes fall elsewhere
    return this.#table.next(hexUint32(hash, 0), hexUint32(hash, ROW_HASH_LENGTH - 8)) > 0;
  }
}
