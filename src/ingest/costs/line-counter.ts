import { Transform, type TransformCallback } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Pass-through that remembers where line breaks (`\n`, `\r\n`, lone `\r`) are, so the byte
 * offset csv-parse reports for a record can be turned into a physical line number. csv-parse's
 * own `info.lines` miscounts `\r\n` inside quoted fields, which Azure tags and AdditionalInfo
 * contain. Only breaks not yet asked about are kept, so memory is bounded by what is buffered
 * between this stream and the consumer, not by the file size.
 */
export class LineCounter extends Transform {
  /** Offsets of the last byte of each line break not yet consumed by lineOfByte. */
  #breaks: number[] = [];
  #head = 0;
  #breaksBefore = 0;
  #offset = 0;
  #pendingCr = -1;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const start = this.#offset;
    if (this.#pendingCr >= 0) {
      // a \r that ended the previous chunk is a break of its own unless this chunk starts with \n
      if (chunk.length === 0 || chunk[0] !== LF) this.#breaks.push(this.#pendingCr);
      this.#pendingCr = -1;
    }
    const lfs: number[] = [];
    for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) lfs.push(i);
    let lf = 0;
    for (let i = chunk.indexOf(CR); i >= 0; i = chunk.indexOf(CR, i + 1)) {
      while (lf < lfs.length && lfs[lf] < i) this.#breaks.push(start + lfs[lf++]);
      if (i === chunk.length - 1) this.#pendingCr = start + i;
      else if (chunk[i + 1] !== LF) this.#breaks.push(start + i);
    }
    while (lf < lfs.length) this.#breaks.push(start + lfs[lf++]);
    this.#offset += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#pendingCr >= 0) this.#breaks.push(this.#pendingCr);
    this.#pendingCr = -1;
    callback();
  }

  /**
   * 1-based line of the byte at `offset`. Calls must not go backwards: breaks before `offset`
   * are forgotten.
   */
  lineOfByte(offset: number): number {
    const breaks = this.#breaks;
    while (this.#head < breaks.length && breaks[this.#head] < offset) {
      this.#head++;
      this.#breaksBefore++;
    }
    if (this.#head > 4096 && this.#head * 2 > breaks.length) {
      this.#breaks = breaks.slice(this.#head);
      this.#head = 0;
    }
    return this.#breaksBefore + 1;
  }
}

/** Line breaks inside the field values of a record (quoted multi-line fields). */
export function lineBreaksIn(values: readonly string[]): number {
  let n = 0;
  for (const v of values) {
    if (v.includes('\n') || v.includes('\r')) n += v.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return n;
}
