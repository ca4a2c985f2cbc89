import { Transform, type TransformCallback } from 'node:stream';
import { CostFileFormatError } from './errors.js';

const CHECKED_BYTES = 64 * 1024;
const MAX_FIRST_LINE_BYTES = 1024 * 1024;

/**
 * Refuses binary input before the CSV parser can turn it into a "header": NUL bytes (binary,
 * or UTF-16 which Azure does not export) or invalid UTF-8 in the first 64 KiB, or no line
 * break in the first 1 MiB (a header is a few KiB). Past that it is a plain pass-through.
 */
export class TextGuard extends Transform {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  #seen = 0;
  #sawLineBreak = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#seen < CHECKED_BYTES) {
      const part = chunk.subarray(0, CHECKED_BYTES - this.#seen);
      const nul = part.indexOf(0);
      if (nul >= 0) {
        callback(new CostFileFormatError(`not a text file: NUL byte at offset ${this.#seen + nul} (binary data, or UTF-16 text; cost exports must be UTF-8 CSV)`));
        return;
      }
      try {
        this.#decoder.decode(part, { stream: true });
      } catch {
        callback(new CostFileFormatError('not a UTF-8 text file: invalid UTF-8 in the first 64 KiB (binary data, or a legacy encoding such as Windows-1252)'));
        return;
      }
    }
    if (!this.#sawLineBreak) {
      this.#sawLineBreak = chunk.includes(0x0a) || chunk.includes(0x0d);
      if (!this.#sawLineBreak && this.#seen + chunk.length > MAX_FIRST_LINE_BYTES) {
        callback(new CostFileFormatError('not a CSV export: no line break in the first 1 MiB'));
        return;
      }
    }
    this.#seen += chunk.length;
    callback(null, chunk);
  }
}
