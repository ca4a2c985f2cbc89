import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { AppError } from '../errors.js';

/** Reads a request body, refusing it as soon as it passes `limit` bytes (not after buffering it all). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw tooLarge(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const tooLarge = (limit: number) => new AppError('PAYLOAD_TOO_LARGE', `request body is larger than ${limit} bytes`, { limit });

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const body = await readBody(req, limit);
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new AppError('BAD_USER_INPUT', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads what is left of a request body and drops it, so that the answer to a refused upload reaches the client. */
export async function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.destroyed) return;
  const done = Promise.race([once(req, 'end'), once(req, 'close')]).catch(() => undefined);
  req.resume();
  await done;
}

/**
 * An uploaded file's body, streamed and bounded: refused with 413 when its declared length passes
 * `maxBytes`, else as soon as what was sent does; the error names `setting`, so whoever hits the limit
 * knows what to raise. Its reader may destroy the stream (an importer that stops at a refused header or
 * line) without destroying the request: that would close the connection before the refusal is sent, and
 * the client would see a reset instead of the answer. Drain the request after a failure.
 */
export function boundedUpload(req: IncomingMessage, what: string, maxBytes: number, setting?: string): Readable {
  const tooLarge = () =>
    new AppError('PAYLOAD_TOO_LARGE', `the ${what} is larger than ${maxBytes} bytes, the most this server accepts${setting ? ` (${setting})` : ''}`, { limit: maxBytes });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  return Readable.from(bounded(req, maxBytes, tooLarge), { objectMode: false });
}

async function* bounded(req: IncomingMessage, maxBytes: number, tooLarge: () => Error): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false })) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw tooLarge();
    yield buffer;
  }
}
