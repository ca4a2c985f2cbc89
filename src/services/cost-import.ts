/**
 * Cost export files (Azure CSV, FOCUS; plain or gzip) into `cost_records`, with a report.
 *
 * 1. An `imports` row (kind COSTS, RUNNING) is committed first, on its own: whatever happens next,
 *    the attempt stays on record.
 * 2. In ONE transaction: the file's rows are parsed, hashed and encoded in a worker thread
 *    (cost-file-thread), their batches go into `loadCostBatchesWithSummary` (COPY), quarantined
 *    rows are copied into `import_rejects`, and the import becomes SUCCEEDED with its counters and
 *    report. A failure anywhere (a corrupt gzip part-way, a dropped upload) rolls
 *    all of it back.
 * 3. On failure the import is marked FAILED with the error, outside the rolled-back transaction.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { and, asc, desc, eq, gt, or } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Db, Sql } from '../db/client.js';
import { errorText } from '../db/query-error.js';
import { importRejects, imports, type ImportRejectRow, type ImportRow } from '../db/schema/index.js';
import { AppError, badInput, notFound } from '../errors.js';
import { CostFileFormatError, type CostBasis } from '../ingest/costs/index.js';
import { parseCurrency } from '../ingest/costs/currency.js';
import type { EncodedCostBatch } from './cost-batch.js';
import { copyTextValue, loadPrefix } from './cost-copy-text.js';
import { openCostFileInWorker, type CostFileInWorker } from './cost-file-thread.js';
import { loadCostBatchesWithSummary, type CostLoadOptions, type CurrencyTotal } from './cost-loader.js';
import { costBasisOf, costImportWarnings, type CostImportWarning } from './cost-import-warnings.js';
import type { RemovedLines } from './file-coverage.js';
import { checkPageSize, decodeCursor, decodeTimeIdCursor, microsecondsOf, olderThan, rowsPage, toPage, type Page } from './pagination.js';
import { isUuid } from './runs.js';
import { reconcileAfterIngest } from '../jobs/reconcile-queue.js';
import { enqueueBudgetEvaluation } from '../jobs/budget-evaluation-queue.js';

export type CostFileFormatOption = 'azure' | 'focus' | 'auto';
export const COST_FILE_FORMATS: readonly CostFileFormatOption[] = ['azure', 'focus', 'auto'];

export interface ImportCostFileOptions {
  /** Shown in the import list and in error messages; the format and compression come from the content. */
  fileName: string;
  format: CostFileFormatOption;
  /** ISO 4217 currency of files that have no currency column at all. */
  assumeCurrency?: string;
  /** Who imported it (stored on the import). */
  principalId?: string;
  /**
   * The file is the whole bill of its sub accounts over its days (a restated export, e.g. month to
   * date): earlier imports' lines of those sub accounts and days are replaced (services/cost-replace).
   */
  replace?: boolean;
  /** With `replace`: the export run the file is part of (e.g. the manifest's run id); files of one delivery add up. */
  delivery?: string;
  /** Called every PROGRESS_EVERY records read, and once at the end of the file. */
  onProgress?: (rowsRead: number) => void;
  /** Time spent in each Postgres phase of the load (benchmarks). */
  onLoadTiming?: CostLoadOptions['onTiming'];
}

const PROGRESS_EVERY = 5000;

/** What an import did; the same shape is answered by HTTP and printed by the CLI. */
export interface CostImportReport {
  importId: string;
  status: 'SUCCEEDED';
  fileName: string;
  /** `azure` or `focus`, and the header dialect, e.g. `ea`, `focus-1.0`. */
  format: string;
  variant: string;
  /** Data records in the file (rows + quarantined). */
  rowsRead: number;
  /** New cost records. */
  rowsLoaded: number;
  /** Rows already stored (an earlier import of the same lines). */
  rowsUnchanged: number;
  rowsQuarantined: number;
  /** Billed cost per currency over the file's loaded rows (new or unchanged), summed in SQL. */
  totals: CurrencyTotal[];
  /** Earliest charge period start, latest end (ISO); null when the file had no rows. */
  periodStart: string | null;
  periodEnd: string | null;
  /** The first quarantined rows by line (at most QUARANTINE_SAMPLE); all are in import_rejects. */
  quarantined: { line: number; reason: string; raw: string }[];
  /** A replacing import's: the earlier lines it replaced; null for an import that adds. */
  replaced: StoredReplaced | null;
  /** `actual` or `amortized` when the file shows which (an Azure export with reservation lines: CostBasis), else null. */
  costBasis: CostBasis | null;
  /** Why the import's lines may count wrongly beside what is stored (services/cost-import-warnings). */
  warnings: CostImportWarning[];
}

/** What a replacing import replaced: stored lines of earlier imports, and the days (ISO, [from, to)). */
export interface StoredReplaced {
  delivery: string | null;
  rows: number;
  totals: CurrencyTotal[];
  /** Lines of Azure syncs of the file's scopes and days, which the file took over (services/file-coverage). */
  synced: Pick<RemovedLines, 'rows' | 'totals'>;
  from: string | null;
  to: string | null;
}

/** The part of the report kept in `imports.report` (counters have their own columns). */
interface StoredReport {
  format: string;
  variant: string;
  totals: CurrencyTotal[];
  periodStart: string | null;
  periodEnd: string | null;
  replaced: StoredReplaced | null;
  costBasis: CostBasis | null;
  warnings: CostImportWarning[];
}

export const QUARANTINE_SAMPLE = 20;

export interface CostImportDatabase {
  sql: Sql;
  db: Db;
}

/** Imports one cost export for `orgId`. Throws AppError BAD_USER_INPUT when the file is not a cost export. */
export async function importCostFile(database: CostImportDatabase, orgId: string, input: Readable, opts: ImportCostFileOptions): Promise<CostImportReport> {
  const { sql, db } = database;
  if (!COST_FILE_FORMATS.includes(opts.format)) throw badInput('format', `must be azure, focus or auto, got ${JSON.stringify(opts.format)}`);
  if (opts.fileName.length === 0 || opts.fileName.length > 500) throw badInput('fileName', 'must be 1-500 characters');
  const replace = opts.replace === true;
  const delivery = opts.delivery?.trim() ?? null;
  if (delivery !== null) {
    if (!replace) throw badInput('delivery', 'names the export run of a replacing import: give it with replace');
    if (delivery.length === 0 || delivery.length > 200) throw badInput('delivery', 'must be 1-200 characters');
  }
  let assumeCurrency: string | undefined;
  if (opts.assumeCurrency !== undefined) {
    assumeCurrency = parseCurrency(opts.assumeCurrency) ?? undefined;
    if (!assumeCurrency) throw badInput('currency', `${JSON.stringify(opts.assumeCurrency)} is not an ISO 4217 currency code`);
  }

  // 1. on record before anything else, committed on its own
  const [created] = await db
    .insert(imports)
    .values({ orgId, kind: 'COSTS', status: 'RUNNING', fileName: opts.fileName, principalId: opts.principalId ?? null, replace, delivery })
    .returning({ id: imports.id });
  const importId = created.id;

  const rejects = new RejectSpill(orgId, importId);
  let file: CostFileInWorker | undefined;
  try {
    // parsing, hashing and encoding run in a worker thread; this one only talks to Postgres
    const prefix = loadPrefix(orgId, { source: 'file', sourceId: importId, batchId: importId });
    file = await openCostFileInWorker(
      input,
      { format: opts.format === 'auto' ? 'auto' : opts.format, fileName: opts.fileName, assumeCurrency },
      {
        prefix,
        onProgress: opts.onProgress,
        progressEvery: PROGRESS_EVERY,
        // each part of a delivery counts identical lines from its first: mixing the part in keeps two parts' copies apart
        hashNamespace: delivery === null ? undefined : `file:${JSON.stringify([delivery, opts.fileName])}`,
      },
    );
    const { parts } = file;
    const format = `${file.format}/${file.variant}`;

    // 2. everything of this import in one transaction
    const result = await sql.begin(async (tx) => {
      let read = 0;
      async function* batches(): AsyncGenerator<EncodedCostBatch> {
        for await (const part of parts) {
          for (const reject of part.rejects) await rejects.add(reject.line, reject.raw, reject.reason);
          read = part.read;
          if (part.batch) yield part.batch;
        }
        opts.onProgress?.(read);
      }
      const summary = await loadCostBatchesWithSummary(tx, orgId, batches(), {
        onTiming: opts.onLoadTiming,
        replace: replace ? { importId, delivery } : undefined,
      });
      // a line the file could not read would be replaced by nothing: its earlier version stays only if nothing is replaced
      if (replace && rejects.count > 0) {
        const first = rejects.first.map((r) => `line ${r.line}: ${r.reason}`).join('; ');
        throw badInput('file', `${opts.fileName}: ${rejects.count} row(s) could not be read, and a replacing import must read every row (${first}); nothing was replaced`);
      }
      await rejects.copyInto(tx);
      // the days a replacement emptied are reconciled too: their runs lost lines the file did not bring back
      const r = summary.replaced;
      await reconcileAfterIngest(tx, orgId, earliest(summary.periodStart, r?.from), latest(summary.periodEnd, r?.to), 'import');
      const basis = costBasisOf(file!.costBasis());
      const warnings = await costImportWarnings(tx, orgId, {
        importId,
        fileName: opts.fileName,
        replace,
        inserted: summary.inserted,
        unchanged: summary.unchanged,
        costBasis: basis.basis,
        costBasisLine: basis.line,
        periodStart: summary.periodStart,
        periodEnd: summary.periodEnd,
        scopes: summary.scopes,
        legacyUnproven: summary.legacy.unproven,
      });
      const stored: StoredReport = {
        format: file!.format,
        variant: file!.variant,
        totals: summary.totals,
        periodStart: summary.periodStart?.toISOString() ?? null,
        periodEnd: summary.periodEnd?.toISOString() ?? null,
        replaced: r ? { delivery, rows: r.rows, totals: r.totals, synced: { rows: r.synced.rows, totals: r.synced.totals }, from: r.from?.toISOString() ?? null, to: r.to?.toISOString() ?? null } : null,
        costBasis: basis.basis,
        warnings,
      };
      await tx`
        update imports set status = 'SUCCEEDED', format = ${format}, rows_read = ${read}, rows_loaded = ${summary.inserted},
          rows_created = ${summary.inserted}, rows_unchanged = ${summary.unchanged}, rows_rejected = ${rejects.count},
          report = ${JSON.stringify(stored)}::jsonb, finished_at = now()
        where org_id = ${orgId} and id = ${importId}`;
      await enqueueBudgetEvaluation(tx, orgId);
      return { read, summary, stored };
    });

    const sample = await db
      .select({ line: importRejects.line, reason: importRejects.reason, raw: importRejects.raw })
      .from(importRejects)
      .where(and(eq(importRejects.orgId, orgId), eq(importRejects.importId, importId)))
      .orderBy(asc(importRejects.line), asc(importRejects.id))
      .limit(QUARANTINE_SAMPLE);
    return {
      importId,
      status: 'SUCCEEDED',
      fileName: opts.fileName,
      format: file.format,
      variant: file.variant,
      rowsRead: result.read,
      rowsLoaded: result.summary.inserted,
      rowsUnchanged: result.summary.unchanged,
      rowsQuarantined: rejects.count,
      totals: result.stored.totals,
      periodStart: result.stored.periodStart,
      periodEnd: result.stored.periodEnd,
      quarantined: sample,
      replaced: result.stored.replaced,
      costBasis: result.stored.costBasis,
      warnings: result.stored.warnings,
    };
  } catch (err) {
    // 3. the transaction is gone; the attempt stays on record as FAILED
    const error = err instanceof CostFileFormatError ? badInput('file', err.message) : err;
    // a failed query's message holds every parameter (whole batches of cost rows): its bounded,
    // parameter-free description goes on record instead; the caller's own mistakes keep their words
    const message = error instanceof AppError ? error.message : errorText(error);
    await db
      .update(imports)
      .set({ status: 'FAILED', error: message.slice(0, 10_000), finishedAt: new Date() })
      .where(and(eq(imports.orgId, orgId), eq(imports.id, importId)));
    throw error;
  } finally {
    await file?.close();
    await rejects.dispose();
  }
}

const earliest = (a: Date | null, b: Date | null | undefined): Date | null => (a && b ? (a < b ? a : b) : (a ?? b ?? null));
const latest = (a: Date | null, b: Date | null | undefined): Date | null => (a && b ? (a > b ? a : b) : (a ?? b ?? null));

/**
 * Quarantined rows wait in a temporary file while the COPY of good rows holds the connection (no
 * other statement can run during a COPY), then are copied into `import_rejects` in the same
 * transaction. A file of a million bad rows costs disk, not memory.
 */
class RejectSpill {
  count = 0;
  /** The first few, for an error message. */
  readonly first: { line: number; reason: string }[] = [];
  #dir: string | undefined;
  #out: WriteStream | undefined;

  constructor(
    private readonly orgId: string,
    private readonly importId: string,
  ) {}

  async add(line: number, raw: string, reason: string): Promise<void> {
    if (!this.#out) {
      this.#dir = await mkdtemp(path.join(tmpdir(), 'gct-rejects-'));
      this.#out = createWriteStream(path.join(this.#dir, 'rejects.copy'));
    }
    this.count++;
    if (this.first.length < 3) this.first.push({ line, reason });
    // Postgres text cannot hold NUL: the kept copy of a raw line shows U+FFFD in its place
    const text = (s: string) => copyTextValue(s.replaceAll('\0', '\uFFFD'));
    const ok = this.#out.write(`${this.orgId}\t${this.importId}\t${line}\t${text(raw)}\t${text(reason)}\n`);
    if (!ok) await once(this.#out, 'drain');
  }

  async copyInto(tx: postgres.TransactionSql): Promise<void> {
    if (!this.#out || !this.#dir) return;
    const out = this.#out;
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const writable = await tx`copy import_rejects (org_id, import_id, line, raw, reason) from stdin`.writable();
    await pipeline(createReadStream(path.join(this.#dir, 'rejects.copy')), writable);
  }

  async dispose(): Promise<void> {
    this.#out?.destroy();
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
  }
}

/** Reading imports of cost files, scoped to one organization. */
export class CostImportService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly maxPageSize: number,
  ) {}

  private readonly owned = () => and(eq(imports.orgId, this.orgId), eq(imports.kind, 'COSTS'));

  async get(id: string): Promise<ImportRow> {
    const [row] = isUuid(id) ? await this.db.select().from(imports).where(and(this.owned(), eq(imports.id, id))) : [];
    if (!row) throw notFound('CostImport', id);
    return row;
  }

  /** Newest first. */
  async list(first: number, after?: string | null): Promise<Page<ImportRow>> {
    checkPageSize(first, this.maxPageSize);
    const conditions = [this.owned()];
    if (after) conditions.push(olderThan(imports.startedAt, imports.id, decodeTimeIdCursor(after, 'costImports')));
    const rows = await this.db
      .select({ row: imports, at: microsecondsOf(imports.startedAt) })
      .from(imports)
      .where(and(...conditions))
      .orderBy(desc(imports.startedAt), desc(imports.id))
      .limit(first + 1);
    return rowsPage(rows, first, 'costImports');
  }

  /** Quarantined rows of one import, by line. */
  async rejects(importId: string, first: number, after?: string | null): Promise<Page<ImportRejectRow>> {
    checkPageSize(first, this.maxPageSize);
    const conditions = [eq(importRejects.orgId, this.orgId), eq(importRejects.importId, importId)];
    if (after) {
      const [line, id] = decodeCursor(after, 'rejects', 2);
      if (typeof line !== 'number' || typeof id !== 'number') throw badInput('after', 'is not a cursor this API returned');
      conditions.push(or(gt(importRejects.line, line), and(eq(importRejects.line, line), gt(importRejects.id, id)))!);
    }
    const rows = await this.db
      .select()
      .from(importRejects)
      .where(and(...conditions))
      .orderBy(asc(importRejects.line), asc(importRejects.id))
      .limit(first + 1);
    return toPage(rows, first, 'rejects', (r) => [r.line, r.id]);
  }
}

/** The stored report of a finished import, or null while it runs or when it failed. */
export function storedReport(row: ImportRow): (StoredReport & Pick<ImportRow, 'rowsRead' | 'rowsLoaded' | 'rowsUnchanged' | 'rowsRejected'>) | null {
  if (row.status !== 'SUCCEEDED') return null;
  const r = row.report as Partial<StoredReport>;
  return {
    format: r.format ?? '',
    variant: r.variant ?? '',
    totals: r.totals ?? [],
    periodStart: r.periodStart ?? null,
    periodEnd: r.periodEnd ?? null,
    // reports stored before syncs were taken over have no `synced`
    replaced: r.replaced ? { ...r.replaced, synced: r.replaced.synced ?? { rows: 0, totals: [] } } : null,
    // reports stored before these were kept have neither
    costBasis: r.costBasis ?? null,
    warnings: r.warnings ?? [],
    rowsRead: row.rowsRead,
    rowsLoaded: row.rowsLoaded,
    rowsUnchanged: row.rowsUnchanged,
    rowsRejected: row.rowsRejected,
  };
}

