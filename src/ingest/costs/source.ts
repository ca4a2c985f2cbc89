import { Readable } from 'node:stream';
import { CostFileFormatError } from './errors.js';

export interface OpenedSource {
  stream: Readable;
  gzip: boolean;
}

/**
 * Looks at the first bytes to tell gzip from plain text (file names lie: `.csv` that is gzip,
 * `.gz` that is not) and to name container formats we do not read, then hands back a stream
 * that replays those bytes followed by the rest of the input.
 */
export async function openSource(input: Readable): Promise<OpenedSource> {
  const iterator: AsyncIterator<unknown> = input[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < 4) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = toBuffer(next.value);
    chunks.push(chunk);
    length += chunk.length;
  }
  const head = Buffer.concat(chunks);
  const refuse = (message: string): never => {
    input.destroy();
    throw new CostFileFormatError(message);
  };
  if (head.length === 0) refuse('the file is empty (no header line)');
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) refuse('a ZIP archive, not a CSV export: unzip it first');
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') refuse('a Parquet file; only CSV exports (plain or gzip) are read');

  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield head;
      if (ended) return;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield toBuffer(next.value);
    } finally {
      // stopping early (a refused header, a consumer that breaks) must release the input
      if (!ended) await iterator.return?.();
    }
  }
  return { stream: Readable.from(replay(), { objectMode: false }), gzip: head[0] === 0x1f && head[1] === 0x8b };
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`cost file input must be a byte stream, got a chunk of type ${typeof chunk}`);
}
