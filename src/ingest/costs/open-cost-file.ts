import { parse, type CsvError } from 'csv-parse';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { CostRow, QuarantinedRow } from './cost-row.js';
import { parseCurrency } from './currency.js';
import { mapperForHeader } from './detect.js';
import { CostFileFormatError } from './errors.js';
import { readHeader } from './header.js';
import { LineCounter, lineBreaksIn } from './line-counter.js';
import type { CostFormat, RecordMapper } from './mapper.js';
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
  /** Every data record, in file order, as a row or a quarantined row. Iterate once. */
  rows: AsyncIterable<CostFileItem>;
}

/** Generous for a bill line (real ones are a few KiB); hitting it means an unclosed quote or no CSV at all. */
const MAX_RECORD_CHARS = 8 * 1024 * 1024;

interface ParsedRecord {
  record: string[];
  raw: string;
  info: { bytes: number };
}

interface SkippedRecord {
  /** How many records (header included) the parser had emitted before this one. */
  after: number;
  message: string;
  raw: string;
}

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

  const counter = new LineCounter();
  const parser = parse({
    info: true,
    raw: true,
    bom: true,
    // field counts and quoting are judged per record here, so a bad line is quarantined instead of ending the file
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_CHARS,
  });
  const skipped: SkippedRecord[] = [];
  parser.on('skip', (err: CsvError, raw: string | undefined) => {
    // csv-parse stops parsing after an oversized record, so carrying on would silently lose the rest
    if (err.code === 'CSV_MAX_RECORD_SIZE') {
      // info.bytes is where the last complete record ended; nothing is read after this, so the counter may skip ahead
      const line = counter.lineOfByte(parser.info.bytes);
      parser.destroy(new CostFileFormatError(`the record starting on line ${line} is longer than ${MAX_RECORD_CHARS} characters (an unclosed quote?)`));
    } else {
      skipped.push({ after: parser.info.records, message: err.message, raw: raw ?? '' });
    }
  });
  const stages: NodeJS.ReadWriteStream[] = source.gzip ? [createGunzip(), new TextGuard(), counter] : [new TextGuard(), counter];
  // failures of any stage reach the parser, and so the iterator below
  pipeline([source.stream, ...stages, parser], () => undefined);

  const records = parser[Symbol.asyncIterator]() as AsyncIterator<ParsedRecord>;
  let lastLine = 0;
  const next = async (): Promise<IteratorResult<ParsedRecord>> => {
    try {
      return await records.next();
    } catch (err) {
      if (err instanceof CostFileFormatError) throw fail(lastLine > 0 ? `${err.message} (after line ${lastLine})` : err.message, err);
      if (isZlibError(err)) throw fail(`the gzip data is corrupt${lastLine > 0 ? ` after line ${lastLine}` : ''}: ${err.message}`, err);
      if (isCsvError(err)) throw fail(`unreadable CSV after line ${lastLine}: ${err.message}`, err);
      throw err;
    }
  };
  const close = () => {
    if (!parser.destroyed) parser.destroy();
  };

  let columns: string[];
  let mapper: RecordMapper;
  try {
    const first = await next();
    if (first.done) throw fail(skipped.length > 0 ? `the header line is unreadable: ${skipped[0].message}` : 'the file is empty (no header line)');
    if (skipped.some((s) => s.after === 0)) throw fail(`the header line is unreadable: ${skipped[0].message}`);
    lastLine = counter.lineOfByte(first.value.info.bytes - 1);
    const header = readHeader(first.value.record);
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

  async function* items(): AsyncGenerator<CostFileItem> {
    let emitted = 1;
    try {
      for (;;) {
        const result = await next();
        // records csv-parse could not split (an unclosed quote at the end) sit between two emitted records
        while (skipped.length > 0 && skipped[0].after <= emitted) {
          const s = skipped.shift()!;
          const leading = /^[\r\n]*/.exec(s.raw)![0];
          const raw = trimLineBreaks(s.raw);
          const line = lastLine + 1 + lineBreaksIn([leading]);
          lastLine = line + lineBreaksIn([raw]);
          yield { kind: 'quarantine', line, raw, reason: `unreadable CSV record: ${s.message}` };
        }
        if (result.done) return;
        emitted++;
        const { record, raw, info } = result.value;
        const endLine = counter.lineOfByte(info.bytes - 1);
        const line = endLine - lineBreaksIn(record);
        lastLine = endLine;
        if (record.length !== fieldCount) {
          yield { kind: 'quarantine', line, raw: trimLineBreaks(raw), reason: `wrong field count: expected ${fieldCount} fields (as in the header), got ${record.length}` };
          continue;
        }
        const mapped = mapper.map(record);
        yield mapped.ok ? { kind: 'row', line, row: mapped.row } : { kind: 'quarantine', line, raw: trimLineBreaks(raw), reason: mapped.reason };
      }
    } finally {
      close();
    }
  }

  let iterated = false;
  return {
    format: mapper.format,
    variant: mapper.variant,
    columns,
    rows: {
      [Symbol.asyncIterator]() {
        if (iterated) throw new Error(`${label}: rows can only be iterated once (the file is streamed)`);
        iterated = true;
        return items();
      },
    },
  };
}

/** csv-parse's raw text carries the record's line break, and blank lines skipped before it. */
function trimLineBreaks(raw: string): string {
  return raw.replace(/^[\r\n]+/, '').replace(/[\r\n]+$/, '');
}

function isZlibError(err: unknown): err is Error {
  return errorCode(err).startsWith('Z_');
}

function isCsvError(err: unknown): err is Error {
  return errorCode(err).startsWith('CSV_');
}

function errorCode(err: unknown): string {
  const code: unknown = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}
