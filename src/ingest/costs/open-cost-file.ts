import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { oversizedKeyField, type CostRow, type QuarantinedRow } from './cost-row.js';
import { parseCurrency } from './currency.js';
import { mapperForHeader } from './detect.js';
import { CostFileFormatError } from './errors.js';
import { readHeader } from './header.js';
import { csvRecordBatches, rawText, type CsvRecord } from './csv-records.js';
import type { CostBasis, CostFormat, RecordMapper } from './mapper.js';
import { openSource } from './source.js';
import { TextGuard } from './text-guard.js';

export type CostFileItem = { kind: 'row'; line: number; row: CostRow } | ({ kind: 'quarantine' } & QuarantinedRow);

export interface OpenCostFileOptions {
  format: CostFormat | 'auto';
  /** Used in error messages only; the format and compression come from the content. */
  fileName?: string;
  /**
   * ISO 4217 currency of files that have no currency column at all (none of the known Azure
   * variants is USD-only, so without this such rows are quarantined). Never fills an empty cell.
   */
  assumeCurrency?: string;
}

export interface CostFile {
  format: CostFormat;
  variant: string;
  /** Header names as written (BOM and surrounding spaces removed). */
  columns: string[];
  /** Every data record, in file order, as a row or a quarantined row. Iterate once (this or `itemBatches`). */
  rows: AsyncIterable<CostFileItem>;
  /** The same items, as many at a time as the input's chunks held: one await per chunk instead of per row. */
  itemBatches: AsyncIterable<CostFileItem[]>;
  /** The first line of each cost basis the rows read so far show (see CostBasis); complete once they are all read. */
  readonly costBasis: CostBasisLines;
}

/** The first line that shows each cost basis, or null. */
export type CostBasisLines = Record<CostBasis, number | null>;

/** Generous for a bill line (real ones are a few KiB); hitting it means an unclosed quote or no CSV at all. */
const MAX_RECORD_CHARS = 8 * 1024 * 1024;

/**
 * Opens an Azure or FOCUS cost export (plain or gzip, with or without BOM) as a stream of
 * normalised rows. Resolves once the header has been read and recognised; rejects with
 * CostFileFormatError before any row when the file is not a cost export. Records that cannot
 * become a CostRow are yielded as quarantined items, never dropped and never thrown; the rows
 * iterable throws CostFileFormatError only when the file itself becomes unreadable (corrupt gzip).
 */
export async function openCostFile(input: Readable, opts: OpenCostFileOptions): Promise<CostFile> {
  const label = opts.fileName ?? 'cost file';
  const fail = (message: string, cause?: unknown) => new CostFileFormatError(`${label}: ${message}`, { cause });
  let assumeCurrency: string | undefined;
  if (opts.assumeCurrency !== undefined) {
    assumeCurrency = parseCurrency(opts.assumeCurrency) ?? undefined;
    if (!assumeCurrency) throw new RangeError(`assumeCurrency ${JSON.stringify(opts.assumeCurrency)} is not an ISO 4217 currency code`);
  }

  let source;
  try {
    source = await openSource(input);
  } catch (err) {
    throw err instanceof CostFileFormatError ? fail(err.message, err) : err;
  }

  const stages: NodeJS.ReadWriteStream[] = source.gzip ? [createGunzip(), new TextGuard()] : [new TextGuard()];
  // failures of any stage end the last one, and so the iteration below
  const text = pipeline([source.stream, ...stages], () => undefined) as unknown as Readable;
  const batches = csvRecordBatches(text, MAX_RECORD_CHARS);
  let lastLine = 0;
  const next = async (): Promise<IteratorResult<CsvRecord[]>> => {
    try {
      return await batches.next();
    } catch (err) {
      if (err instanceof CostFileFormatError) throw fail(lastLine > 0 ? `${err.message} (after line ${lastLine})` : err.message, err);
      if (isZlibError(err)) throw fail(`the gzip data is corrupt${lastLine > 0 ? ` after line ${lastLine}` : ''}: ${err.message}`, err);
      throw err;
    }
  };
  const close = () => {
    void batches.return(undefined);
    if (!text.destroyed) text.destroy();
  };

  let columns: string[];
  let mapper: RecordMapper;
  let rest: CsvRecord[];
  try {
    const first = await next();
    if (first.done) throw fail('the file is empty (no header line)');
    const [headerRecord, ...others] = first.value;
    rest = others;
    if (headerRecord.error) throw fail(`the header line is unreadable: ${headerRecord.error}`);
    lastLine = headerRecord.line;
    const header = readHeader(headerRecord.fields);
    if (header.every((c) => c.name === '')) throw fail('the file is empty (no header line, only blank lines)');
    try {
      mapper = mapperForHeader(header, opts.format, { assumeCurrency });
    } catch (err) {
      throw err instanceof CostFileFormatError ? fail(err.message, err) : err;
    }
    columns = header.map((c) => c.name);
  } catch (err) {
    close();
    throw err;
  }
  const fieldCount = columns.length;
  const costBasis: CostBasisLines = { actual: null, amortized: null };

  function item(record: CsvRecord): CostFileItem {
    const { fields, line } = record;
    if (record.error) return { kind: 'quarantine', line, raw: rawText(record), reason: `unreadable CSV record: ${record.error}` };
    // a record that stops short has its last fields empty: writers leave trailing empty fields out (the opencost
    // Template export ends every row one short). One with more fields than the header cannot be placed
    if (fields.length > fieldCount) {
      return { kind: 'quarantine', line, raw: rawText(record), reason: `wrong field count: expected ${fieldCount} fields (as in the header), got ${fields.length}` };
    }
    const mapped = mapper.map(fields);
    if (mapped.ok) {
      const oversized = oversizedKeyField(mapped.row);
      if (oversized !== null) return { kind: 'quarantine', line, raw: rawText(record), reason: oversized };
      if (mapped.basis !== undefined && costBasis[mapped.basis] === null) costBasis[mapped.basis] = line;
      return { kind: 'row', line, row: mapped.row };
    }
    // a short record may be a line broken in two by an unquoted line break: say so beside what is missing
    const short = fields.length < fieldCount ? ` (the record has ${fields.length} of the header's ${fieldCount} fields)` : '';
    return { kind: 'quarantine', line, raw: rawText(record), reason: `${mapped.reason}${short}` };
  }

  async function* itemBatches(): AsyncGenerator<CostFileItem[]> {
    try {
      for (let records = rest; ; ) {
        if (records.length > 0) {
          const items = new Array<CostFileItem>(records.length);
          for (let i = 0; i < records.length; i++) {
            lastLine = records[i].line;
            items[i] = item(records[i]);
          }
          yield items;
        }
        const result = await next();
        if (result.done) return;
        records = result.value;
      }
    } finally {
      close();
    }
  }

  async function* items(): AsyncGenerator<CostFileItem> {
    for await (const batch of itemBatches()) for (const one of batch) yield one;
  }

  let iterated = false;
  const once = <T>(iterate: () => AsyncIterator<T>): AsyncIterable<T> => ({
    [Symbol.asyncIterator]() {
      if (iterated) throw new Error(`${label}: rows can only be iterated once (the file is streamed)`);
      iterated = true;
      return iterate();
    },
  });
  return {
    format: mapper.format,
    variant: mapper.variant,
    columns,
    rows: once(items),
    itemBatches: once(itemBatches),
    costBasis,
  };
}

function isZlibError(err: unknown): err is Error {
  return errorCode(err).startsWith('Z_');
}

function errorCode(err: unknown): string {
  const code: unknown = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}
