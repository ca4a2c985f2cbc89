/**
 * Splits a byte stream into lines without holding more than one line (capped) in memory.
 * Written by hand rather than with readline or csv-parse's stream because a trace reader
 * needs three things they do not give: exact physical line numbers (csv-parse miscounts
 * CRLF inside quoted fields), whether the last line ended with a line break (a missing one
 * means the writer died mid-line), and a cap on line length that skips an absurd line and
 * carries on instead of buffering it or aborting the whole file.
 */

export interface Line {
  /** 1-based physical line number. */
  number: number;
  /** The line without its `\n` / `\r\n`; only a short prefix when `overlong`. */
  text: string;
  /** False only for a last line with no line break after it. */
  terminated: boolean;
  /** The line was longer than the cap; `text` holds its beginning. */
  overlong: boolean;
  /** The bytes were not valid UTF-8; `text` has U+FFFD where they were. */
  invalidUtf8: boolean;
}

export interface LineOptions {
  /** Bytes allowed in the first line; past it the first line is returned at once, marked overlong. */
  maxFirstLineBytes: number;
  maxLineBytes: number;
}

const PREVIEW_BYTES = 200;
const NEWLINE = 0x0a;

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

/**
 * Yields the lines of each chunk as one batch: one await per chunk rather than per line,
 * which matters when a million lines go through promise machinery.
 */
export async function* readLines(input: AsyncIterable<unknown>, opts: LineOptions): AsyncGenerator<Line[], void, undefined> {
  let parts: Buffer[] = [];
  let size = 0;
  let overlong = false;
  let number = 0;

  const take = (bytes: Buffer): void => {
    const limit = number === 0 ? opts.maxFirstLineBytes : opts.maxLineBytes;
    if (overlong) return;
    if (size + bytes.length > limit) {
      // keep a preview for the error message, drop the rest
      const joined = Buffer.concat([...parts, bytes.subarray(0, Math.max(0, PREVIEW_BYTES - size))]);
      parts = [joined.subarray(0, PREVIEW_BYTES)];
      size = parts[0].length;
      overlong = true;
      return;
    }
    if (bytes.length > 0) {
      parts.push(bytes);
      size += bytes.length;
    }
  };

  const finish = (terminated: boolean): Line => {
    number += 1;
    const bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    let text: string;
    let invalidUtf8 = false;
    if (overlong) {
      text = lenient.decode(bytes);
    } else {
      try {
        text = strict.decode(bytes);
      } catch {
        text = lenient.decode(bytes);
        invalidUtf8 = true;
      }
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const line: Line = { number, text, terminated, overlong, invalidUtf8 };
    parts = [];
    size = 0;
    overlong = false;
    return line;
  };

  for await (const chunk of input) {
    const buf = toBuffer(chunk);
    const batch: Line[] = [];
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(NEWLINE, start);
      take(buf.subarray(start, nl === -1 ? buf.length : nl));
      if (nl === -1) {
        // Without a line break in sight, a first line past its cap is answered now: waiting
        // for one could mean reading a whole binary file.
        if (overlong && number === 0) {
          yield [finish(false)];
          return;
        }
        break;
      }
      batch.push(finish(true));
      start = nl + 1;
    }
    if (batch.length > 0) yield batch;
  }
  if (size > 0 || overlong) yield [finish(false)];
}

/** Hands out lines one at a time from readLines' batches, synchronously while a batch lasts. */
export class LineReader {
  private batch: Line[] = [];
  private index = 0;
  private readonly pushedBack: Line[] = [];

  constructor(private readonly batches: AsyncGenerator<Line[], void, undefined>) {}

  /** The next line if one is at hand, else null: then call `fill`. */
  take(): Line | null {
    if (this.pushedBack.length > 0) return this.pushedBack.shift()!;
    return this.index < this.batch.length ? this.batch[this.index++] : null;
  }

  /** Loads the next batch; false at the end of the input. */
  async fill(): Promise<boolean> {
    for (;;) {
      const r = await this.batches.next();
      if (r.done) return false;
      if (r.value.length === 0) continue;
      this.batch = r.value;
      this.index = 0;
      return true;
    }
  }

  async next(): Promise<Line | undefined> {
    const line = this.take();
    if (line !== null) return line;
    return (await this.fill()) ? this.take() ?? undefined : undefined;
  }

  /** Lines read ahead that must be read again, in their order. */
  pushBack(lines: readonly Line[]): void {
    this.pushedBack.unshift(...lines);
  }

  /** Stops reading and releases (destroys) the input stream. */
  async close(): Promise<void> {
    await this.batches.return(undefined);
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`expected a byte or text stream, got a chunk of type ${typeof chunk}`);
}
