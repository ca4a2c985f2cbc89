/**
 * Worker thread of the file import (see cost-file-thread): reads the file's bytes as the main thread
 * hands them over, and parses, maps, hashes and encodes its rows into COPY batches. That is nearly
 * all of an import's JavaScript; on its own thread it runs while the main thread keeps the COPY of
 * the previous batch flowing, instead of delaying every Postgres round trip by a parsing stretch.
 */
import { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { CostFileFormatError, CostRowHasher, namespacedHash, openCostFile } from '../ingest/costs/index.js';
import { batchBuffers, CostBatchEncoder } from './cost-batch.js';
import { costRowHasNul } from './cost-copy-text.js';
import type { CostFilePart, ToWorker, FromWorker, WorkerSetup } from './cost-file-messages.js';

/** Parts posted and not yet taken by the main thread: beyond this, parsing waits. */
const AHEAD = 2;
/** A part goes out at the latest with this many quarantined rows, so a file of bad rows stays in bounded memory. */
const MAX_REJECTS_PER_PART = 1000;
/** Or this much of their raw text: a rejected record may be megabytes long. */
const MAX_REJECT_BYTES_PER_PART = 8 * 1024 * 1024;

const port = parentPort!;
const setup = workerData as WorkerSetup;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

let requested = false;
const input = new Readable({
  highWaterMark: 256 * 1024,
  read() {
    if (requested) return;
    requested = true;
    send({ type: 'want' });
  },
});

let credits = AHEAD;
let wake: (() => void) | undefined;
port.on('message', (message: ToWorker) => {
  if (message.type === 'bytes') {
    requested = false;
    input.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
  } else if (message.type === 'end') {
    input.push(null);
  } else if (message.type === 'ack') {
    credits++;
    wake?.();
  }
});

async function post(part: CostFilePart): Promise<void> {
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  credits--;
  send({ type: 'part', part }, part.batch ? batchBuffers(part.batch) : []);
}

async function run(): Promise<void> {
  const file = await openCostFile(input, setup.options);
  send({ type: 'opened', format: file.format, variant: file.variant, columns: file.columns });
  const hasher = new CostRowHasher();
  const namespace = setup.hashNamespace;
  const inNamespace = namespace === undefined ? (hash: string) => hash : (hash: string) => namespacedHash(namespace, hash);
  const encoder = new CostBatchEncoder(setup.prefix, setup.batchRows, { hashesFromOneHasher: true });
  let read = 0;
  let rejects: CostFilePart['rejects'] = [];
  let rejectBytes = 0;
  for await (const items of file.itemBatches) {
    for (const item of items) {
      read++;
      if (setup.progressEvery > 0 && read % setup.progressEvery === 0) send({ type: 'progress', read });
      let batch = null;
      if (item.kind === 'quarantine') {
        rejects.push({ line: item.line, raw: item.raw, reason: item.reason });
        rejectBytes += item.raw.length;
      } else {
        try {
          const { hash, legacyHash } = hasher.next(item.row);
          batch = encoder.add(item.row, inNamespace(hash), legacyHash === undefined ? undefined : { hash: inNamespace(legacyHash), line: item.line });
        } catch (err) {
          // the encoder refuses NUL (a check of its own per field, instead of another pass over every row here);
          // hashing such a row first only counts it among its identical copies, which are refused too
          if (!(err instanceof RangeError && costRowHasNul(item.row))) throw err;
          const raw = JSON.stringify(item.row);
          rejects.push({ line: item.line, raw, reason: 'a field contains a NUL character, which cannot be stored' });
          rejectBytes += raw.length;
        }
      }
      if (batch || rejects.length >= MAX_REJECTS_PER_PART || rejectBytes >= MAX_REJECT_BYTES_PER_PART) {
        await post({ batch, rejects, read });
        rejects = [];
        rejectBytes = 0;
      }
    }
  }
  await post({ batch: encoder.finish(), rejects, read });
  send({ type: 'done', costBasis: file.costBasis });
}

run().catch((err: unknown) => {
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as NodeJS.ErrnoException).code;
  send({ type: 'error', message: error.message, formatError: error instanceof CostFileFormatError, name: error.name, code: typeof code === 'string' ? code : undefined, stack: error.stack });
});
