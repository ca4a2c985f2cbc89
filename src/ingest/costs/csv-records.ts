import { StringDecoder } from 'node:string_decoder';
import Papa from 'papaparse';
import { CostFileFormatError } from './errors.js';

/** One CSV record and where it was in the file. */
export interface CsvRecord {
  fields: string[];
  /** 1-based physical line the record starts on. */
  line: number;
  /** The record as written, its line break included; `rawText` trims it for reports. */
  written: string;
  /** Why the record's quoting is unreadable (its fields are then not to be trusted), or null. */
  error: string | null;
}

type Newline = '\n' | '\r\n' | '\r';

/**
 * Bytes of input decoded and parsed at a time. Every record's fields and text are slices of the
 * string one piece becomes; past about 128 KB that string is a large V8 object, and parsing the same
 * file in 1 MB pieces took twice as long as in 64 KB ones (the import's worker alone, on 200,000 rows
 * of bench/cost-import's file: 6.1 s against 3.1 s), most of it in garbage collection. 32 KB keeps a piece of
 * two-byte text (any non-Latin-1 character) with the partial record before it below that size.
 */
const FEED_BYTES = 32 * 1024;

/**
 * Splits a UTF-8 byte stream into CSV records, one batch per input chunk, each record with the physical
 * line it starts on and its text as written.
 *
 * Papa Parse's core parser does the splitting: it finds delimiters and quotes with `indexOf`, several
 * times faster than a per-character state machine, and it reports malformed quoting as an error on the
 * record instead of failing. Its own streaming guesses the line ending from the first chunk (one byte
 * when bytes arrive one at a time), so chunks are fed here instead, once the header's line break is
 * known. Quoted fields may hold any line break (Azure tags and AdditionalInfo hold `\r\n` in `\n`
 * files); lines are counted on the record's own text, so those are counted as they are written.
 *
 * Throws CostFileFormatError when one record grows past `maxRecordChars` (an unclosed quote would
 * otherwise swallow the rest of the file into memory).
 */
export async function* csvRecordBatches(input: AsyncIterable<Buffer>, maxRecordChars: number): AsyncGenerator<CsvRecord[]> {
  const decoder = new StringDecoder('utf8');
  let newline: Newline | undefined;
  let parser: Papa.Parser | undefined;
  // text after the last complete record, and the line it starts on
  let pending = '';
  let line = 1;
  let text = '';
  let recordStart = 0;
  let batch: CsvRecord[] = [];
  let started = false;

  // the core parser hands its step the rows parsed since the last step: always one
  const step = (result: { data: string[][]; errors: Papa.ParseError[]; meta: { cursor: number } }) => {
    const end = result.meta.cursor;
    const written = text.slice(recordStart, end);
    recordStart = end;
    const start = line;
    line += lineBreaks(written);
    const fields = result.data[0] ?? [''];
    const error = result.errors.length > 0 ? describe(result.errors[0]) : null;
    // blank lines are not records (a CRLF one leaves its `\r`)
    if (fields.length === 1 && (fields[0] === '' || fields[0] === '\r') && error === null) return;
    batch.push({ fields, line: start, written, error });
  };

  const feed = (chunk: string, final: boolean): CsvRecord[] => {
    // the first text decoded, not the first call: a chunk that ends inside the mark's three bytes decodes to nothing
    if (!started && chunk.length > 0) {
      started = true;
      // a byte order mark is not part of the first column's name
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    if (pending.length > maxRecordChars) {
      throw new CostFileFormatError(`the record starting on line ${line} is longer than ${maxRecordChars} characters (an unclosed quote?)`);
    }
    text = pending + chunk;
    if (!newline) {
      newline = detectNewline(text, final);
      if (!newline) {
        pending = text;
        return [];
      }
      // records end at `\n` whether or not `\r` comes before it: files whose header ends in CRLF and rows in LF
      // (or the other way round) are written by tools that prepend a header. The `\r` then ends the last field,
      // where the field readers trim it, or follows its closing quote, which the parser takes as space before the
      // line break. A file of lone `\r` breaks keeps them
      parser = new Papa.Parser({ delimiter: ',', newline: newline === '\r' ? '\r' : '\n', quoteChar: '"', step: step as unknown as Papa.ParseConfig['step'] });
    }
    recordStart = 0;
    parser!.parse(text, 0, !final);
    pending = text.slice(recordStart);
    text = '';
    const out = batch;
    batch = [];
    return out;
  };

  for await (const chunk of input) {
    // a large chunk (the import's worker gets the file a megabyte at a time) is fed in pieces: see FEED_BYTES
    for (let at = 0; at < chunk.length; at += FEED_BYTES) {
      const records = feed(decoder.write(chunk.subarray(at, at + FEED_BYTES)), false);
      if (records.length > 0) yield records;
    }
  }
  const records = feed(decoder.end(), true);
  if (records.length > 0) yield records;
}

/** The record's text without the line breaks around it: what a quarantine report shows. */
export function rawText(record: CsvRecord): string {
  return record.written.replace(/^[\r\n]+/, '').replace(/[\r\n]+$/, '');
}

/** The file's record separator, from its first line break; undefined until one is seen whole. */
function detectNewline(text: string, final: boolean): Newline | undefined {
  const lf = text.indexOf('\n');
  const cr = text.indexOf('\r');
  if (cr >= 0 && (lf < 0 || cr < lf)) {
    if (cr === text.length - 1 && !final) return undefined;
    return text.charCodeAt(cr + 1) === 0x0a ? '\r\n' : '\r';
  }
  if (lf >= 0) return '\n';
  return final ? '\n' : undefined;
}

/** Physical line breaks in `s`: `\r\n`, `\n` and a lone `\r` count one each. */
export function lineBreaks(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  for (let i = s.indexOf('\r'); i >= 0; i = s.indexOf('\r', i + 1)) if (s.charCodeAt(i + 1) !== 0x0a) n++;
  return n;
}

function describe(error: Papa.ParseError): string {
  if (error.code === 'MissingQuotes') return 'Quote Not Closed: a quoted field never ends, so everything after its opening quote is part of this record';
  if (error.code === 'InvalidQuotes') return 'Invalid Closing Quote: a quote inside a quoted field is neither doubled nor followed by a comma or line break';
  return `${error.code}: ${error.message}`;
}
