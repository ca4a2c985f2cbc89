import type { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse/sync';
import { buildTaskRecord, canonicalColumn, columnKind, FieldError, UNIT_KINDS, type TraceColumn } from './columns.js';
import { visibleNul } from '../../input/text.js';
import { LineReader, readLines, type Line } from './lines.js';
import type { TaskRecord } from './task-record.js';
import { assertTimeZone, isMissing } from './units.js';

/** The input is not a Nextflow trace at all; thrown before any row is produced. */
export class TraceFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceFormatError';
  }
}

export interface TraceHeader {
  /** One per field: the Nextflow name when recognised (`%cpu` for `pcpu`), else the name as written. */
  columns: string[];
  /** The header names exactly as written (trimmed). */
  rawColumns: string[];
  /** Header names that are not Nextflow trace fields; their values are ignored. */
  unknownColumns: string[];
  delimiter: '\t' | ',';
}

export type TraceItem =
  | { kind: 'task'; line: number; record: TaskRecord }
  | { kind: 'rejected'; line: number; raw: string; reason: string };

export interface OpenTraceOptions {
  /** IANA zone the trace's dates were written in (Nextflow uses the JVM's local zone). Default UTC. */
  timeZone?: string;
}

export interface OpenedTrace {
  header: TraceHeader;
  /** Single use. Bad lines come out as `rejected` and reading continues. */
  rows: AsyncGenerator<TraceItem, void, undefined>;
}

// Nextflow's full header is ~400 bytes; a first line without a break in 64 KiB is not one.
const MAX_HEADER_BYTES = 64 * 1024;
// Generous for a `script` column, small enough that one corrupt line cannot exhaust memory.
const MAX_LINE_BYTES = 8 * 1024 * 1024;
// A quoted CSV field may span lines; past this the quote is taken to be a stray one.
const MAX_RECORD_LINES = 50;
const MAX_RAW_CHARS = 2000;

/**
 * Opens a Nextflow trace (tab-separated as Nextflow writes it, or CSV), reading only as far
 * as the header. Rejects with TraceFormatError when the input is empty, binary, or its first
 * line is not a trace header; a RangeError for an unknown `timeZone`.
 * The rows are then read lazily, one line at a time, so file size does not matter.
 */
export async function openTrace(
  input: NodeJS.ReadableStream | Readable | AsyncIterable<Uint8Array | string>,
  opts: OpenTraceOptions = {},
): Promise<OpenedTrace> {
  const timeZone = assertTimeZone(opts.timeZone ?? 'UTC');
  const lines = new LineReader(readLines(input as AsyncIterable<unknown>, { maxFirstLineBytes: MAX_HEADER_BYTES, maxLineBytes: MAX_LINE_BYTES }));
  let header: ParsedHeader;
  try {
    header = await readHeader(lines);
  } catch (err) {
    await lines.close();
    throw err;
  }
  return { header: header.public, rows: readRows(lines, header, timeZone) };
}

interface ParsedHeader {
  public: TraceHeader;
  /** Index of each recognised column in a row, with its Nextflow name and written label. */
  picks: number[];
  known: TraceColumn[];
  labels: string[];
}

async function readHeader(lines: LineReader): Promise<ParsedHeader> {
  let first: Line | undefined;
  for (;;) {
    first = await lines.next();
    if (first === undefined) throw new TraceFormatError('not a Nextflow trace: the input is empty (no header line)');
    if (first.overlong || first.text.trim() !== '') break;
  }
  const where = `line ${first.number}`;
  const text = first.number === 1 ? first.text.replace(/^\uFEFF/, '') : first.text;
  if (text.startsWith('\x1f\uFFFD')) {
    throw new TraceFormatError('not a Nextflow trace: the input is gzip-compressed; decompress it first');
  }
  if (text.startsWith('PK\x03\x04')) {
    throw new TraceFormatError('not a Nextflow trace: the input is a zip archive (a spreadsheet?); export it as TSV or CSV');
  }
  if (first.overlong) {
    throw new TraceFormatError(`not a Nextflow trace: no line break in the first ${MAX_HEADER_BYTES / 1024} KiB (binary data?)`);
  }
  if (first.invalidUtf8) throw new TraceFormatError(`not a Nextflow trace: ${where} is not UTF-8 text (binary data?)`);
  // eslint-disable-next-line no-control-regex
  const control = /[\x00-\x08\x0b-\x1f\x7f]/.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(2, '0');
    throw new TraceFormatError(`not a Nextflow trace: ${where} contains the control byte 0x${code} (binary data?)`);
  }

  const delimiter: '\t' | ',' = text.includes('\t') ? '\t' : text.includes(',') ? ',' : '\t';
  let rawColumns: string[];
  try {
    rawColumns = splitFields(text, delimiter).map((c) => c.trim());
  } catch (err) {
    throw new TraceFormatError(`not a Nextflow trace: the header (${where}) is not valid CSV: ${(err as Error).message}`);
  }

  const columns: string[] = [];
  const unknownColumns: string[] = [];
  const picks: number[] = [];
  const known: TraceColumn[] = [];
  const labels: string[] = [];
  const seen = new Map<TraceColumn, string>();
  rawColumns.forEach((name, i) => {
    const column = canonicalColumn(name);
    if (column === null) {
      columns.push(name);
      unknownColumns.push(name === '' ? `(unnamed column ${i + 1})` : name);
      return;
    }
    const before = seen.get(column);
    if (before !== undefined) {
      throw new TraceFormatError(`ambiguous trace header (${where}): ${JSON.stringify(before)} and ${JSON.stringify(name)} both mean ${column}`);
    }
    seen.set(column, name);
    columns.push(column);
    picks.push(i);
    known.push(column);
    labels.push(name === column ? column : `${name} (${column})`);
  });

  // tasks are keyed by task_id (unique in a run; a hash is not: a retry can reuse its directory's prefix), so
  // a file without it could load no row: it is refused here rather than every line rejected
  if (!seen.has('task_id')) {
    const found = rawColumns.slice(0, 8).map((c) => JSON.stringify(c)).join(', ') + (rawColumns.length > 8 ? ', ...' : '');
    const hint = seen.has('hash') && seen.has('name') ? ' (tasks are keyed by it; hash and name are not enough: add task_id to trace.fields)' : '';
    throw new TraceFormatError(`not a Nextflow trace: the header (${where}) has no task_id column${hint}; found ${found}`);
  }
  return { public: { columns, rawColumns, unknownColumns, delimiter }, picks, known, labels };
}

class UnclosedQuote extends Error {
  constructor() {
    super('unclosed quote');
  }
}

function splitFields(text: string, delimiter: '\t' | ','): string[] {
  // Nextflow never quotes: with a tab it writes values verbatim, so quotes are literal.
  if (delimiter === '\t') return text.split('\t');
  if (!text.includes('"')) return text.split(',');
  let records: string[][];
  try {
    records = parseCsv(text, { delimiter: ',', relax_quotes: true, relax_column_count: true, record_delimiter: ['\n'] }) as string[][];
  } catch (err) {
    if ((err as { code?: unknown }).code === 'CSV_QUOTE_NOT_CLOSED') throw new UnclosedQuote();
    throw err;
  }
  if (records.length !== 1) throw new Error('a line break outside quotes');
  return records[0];
}

async function* readRows(
  lines: LineReader,
  header: ParsedHeader,
  timeZone: string,
): AsyncGenerator<TraceItem, void, undefined> {
  const { picks, known, labels } = header;
  const width = header.public.rawColumns.length;
  const delimiter = header.public.delimiter;
  const unitPicks = picks.filter((_, k) => UNIT_KINDS.has(columnKind(known[k])));
  const values: string[] = new Array<string>(picks.length);
  let previous: string[] | null = null;

  try {
    for (;;) {
      const line = lines.take();
      if (line === null) {
        if (await lines.fill()) continue;
        break;
      }
      if (line.overlong) {
        yield reject(line.number, line.text, `line is longer than ${MAX_LINE_BYTES / (1024 * 1024)} MiB; skipped`);
        continue;
      }
      if (line.text.trim() === '') continue;
      if (line.invalidUtf8) {
        yield reject(line.number, line.text, 'line is not valid UTF-8 text (binary data?)');
        continue;
      }

      let fields: string[];
      let raw = line.text;
      let last = line;
      try {
        fields = splitFields(line.text, delimiter);
      } catch (err) {
        if (!(err instanceof UnclosedQuote)) {
          yield reject(line.number, raw, `cannot split the line into fields: ${(err as Error).message}`);
          continue;
        }
        // A quoted CSV field may hold line breaks: read on until the quote closes.
        const taken: Line[] = [];
        let joined: string[] | null = null;
        while (taken.length < MAX_RECORD_LINES) {
          const more = await lines.next();
          if (more === undefined || more.overlong) {
            if (more) lines.pushBack([more]);
            break;
          }
          taken.push(more);
          raw += '\n' + more.text;
          try {
            joined = splitFields(raw, delimiter);
            break;
          } catch (e) {
            if (!(e instanceof UnclosedQuote)) break;
          }
        }
        if (joined === null) {
          // a stray quote: give up on this line only and read the others again on their own
          lines.pushBack(taken);
          yield reject(line.number, line.text, taken.length === 0
            ? 'unclosed quote: the file ends inside a quoted field'
            : `unclosed quote: no closing quote within ${taken.length} following lines`);
          continue;
        }
        fields = joined;
        last = taken[taken.length - 1];
      }

      if (fields.length !== width) {
        if (fields.length < width) {
          const missing = header.public.columns.slice(fields.length);
          yield reject(line.number, raw,
            `has ${fields.length} fields but the header has ${width}: no value for ${missing.join(', ')}` +
            (last.terminated ? '' : ' (the file ends mid-line: truncated?)'));
        } else {
          yield reject(line.number, raw, `has ${fields.length} fields but the header has ${width}`);
        }
        continue;
      }
      if (isRepeatedHeader(fields, header.public.rawColumns)) {
        yield reject(line.number, raw, 'repeated header line (were two traces concatenated?)');
        continue;
      }
      if (!last.terminated && previous !== null) {
        const cut = truncatedValue(fields, previous, unitPicks, header.public.columns);
        if (cut !== null) {
          yield reject(line.number, raw, cut);
          continue;
        }
      }

      for (let k = 0; k < picks.length; k++) values[k] = fields[picks[k]];
      let record: TaskRecord;
      try {
        record = buildTaskRecord(known, values, labels, timeZone);
      } catch (err) {
        if (err instanceof FieldError) {
          yield reject(line.number, raw, err.message);
          continue;
        }
        throw err;
      }
      previous = fields;
      yield { kind: 'task', line: line.number, record };
    }
  } finally {
    await lines.close();
  }
}

function reject(line: number, raw: string, reason: string): TraceItem {
  // kept in a text column, which cannot hold a NUL (it may be why the line was rejected)
  const text = visibleNul(raw);
  return { kind: 'rejected', line, raw: text.length > MAX_RAW_CHARS ? `${text.slice(0, MAX_RAW_CHARS)}...` : text, reason };
}

function isRepeatedHeader(fields: readonly string[], header: readonly string[]): boolean {
  return fields.length === header.length && fields.every((f, i) => f.trim() === header[i]);
}

/*
 * A last line with no line break may have been cut mid-value. Cut inside a unit value it often
 * still parses: `1006 KB` cut to `1006` reads as 1006 raw bytes. Nextflow writes a whole file
 * either human-readable or raw, so a bare number where the row before had a unit gives it away.
 * (`0` is exempt: Nextflow prints a zero size as a bare `0` even in human mode.)
 */
function truncatedValue(fields: readonly string[], previous: readonly string[], unitPicks: readonly number[], names: readonly string[]): string | null {
  for (const i of unitPicks) {
    const value = fields[i].trim();
    const before = previous[i].trim();
    if (isMissing(value) || isMissing(before) || value === '0') continue;
    if (/^\d+(?:\.\d+)?$/.test(value) && !/^\d+(?:\.\d+)?$/.test(before)) {
      return `the file ends mid-line: column ${JSON.stringify(names[i])} has ${JSON.stringify(value)} where the row before had ${JSON.stringify(before)}; the line looks truncated`;
    }
  }
  return null;
}
