/**
 * A cost file opened in a worker thread (cost-file-worker): the main thread passes the input's bytes
 * on as the worker asks for them, and gets back the header's verdict, then parts of COPY-encoded rows
 * and quarantined records. Both directions are pulled: the input is read only as fast as the worker
 * parses, and the worker runs at most a few parts ahead of the caller.
 */
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { CostFileFormatError, type CostBasisLines, type CostFormat, type OpenCostFileOptions } from '../ingest/costs/index.js';
import type { CostFilePart, FromWorker, ToWorker, WorkerSetup } from './cost-file-messages.js';

/** Bytes of the file per message to the worker. */
const PART_BYTES = 1024 * 1024;

export type { CostFilePart } from './cost-file-messages.js';

export interface CostFileInWorker {
  format: CostFormat;
  variant: string;
  columns: string[];
  /** The file's parts in order; iterate once. Leaving the loop early (or failing) stops the worker. */
  parts: AsyncIterable<CostFilePart>;
  /** The first line of each cost basis the file shows (CostFile.costBasis); null until every part was taken. */
  costBasis(): CostBasisLines | null;
  /** Stops the worker and the reading of the input; safe to call more than once. */
  close(): Promise<void>;
}

export interface WorkerLoadOptions {
  /** The load's constant COPY columns (loadPrefix). */
  prefix: string;
  batchRows?: number;
  /** Called every `progressEvery` records the worker has read (as they are read, ahead of the load). */
  onProgress?: (rowsRead: number) => void;
  progressEvery?: number;
  /**
   * Mixed into every row hash, so the rows never match another file's: the parts of one delivery each
   * count identical lines from their first occurrence, and would otherwise take each other's for stored.
   */
  hashNamespace?: string;
}

/**
 * Opens `input` as openCostFile does (same options, same refusals, thrown here as CostFileFormatError),
 * its rows encoded for a load whose constant columns are `load.prefix`.
 */
export async function openCostFileInWorker(input: Readable, options: OpenCostFileOptions, load: WorkerLoadOptions): Promise<CostFileInWorker> {
  const setup: WorkerSetup = {
    options,
    prefix: load.prefix,
    batchRows: load.batchRows,
    progressEvery: load.onProgress ? (load.progressEvery ?? 0) : 0,
    hashNamespace: load.hashNamespace,
  };
  const worker = new Worker(new URL('./cost-file-worker.js', import.meta.url), {
    workerData: setup,
    // a larger young generation (semi-spaces of 32 MB instead of 16): each collection of it copies the
    // batch being built, so fewer of them cut the worker's garbage collection by about a third
    resourceLimits: { maxYoungGenerationSizeMb: 96 },
  });
  const send = (message: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;

  const queue: CostFilePart[] = [];
  let done = false;
  let costBasis: CostBasisLines | null = null;
  let failure: unknown;
  let closed = false;
  let wake: (() => void) | undefined;
  let opened!: (message: Extract<FromWorker, { type: 'opened' }>) => void;
  let refused!: (err: unknown) => void;
  const header = new Promise<Extract<FromWorker, { type: 'opened' }>>((resolve, reject) => {
    opened = resolve;
    refused = reject;
  });

  const close = async () => {
    if (closed) return;
    closed = true;
    if (!input.destroyed) input.destroy();
    await worker.terminate();
  };
  const fail = (err: unknown) => {
    if (failure !== undefined || done) return;
    failure = err;
    refused(err);
    wake?.();
    void close();
  };

  // the worker asks for bytes a message at a time: a file stream's 64 KB chunks, one message each way per
  // chunk, cost the worker about a twentieth of its time in postMessage; a message carries PART_BYTES
  let ended = false;
  const pump = async () => {
    try {
      const pieces: Buffer[] = [];
      let bytes = 0;
      while (bytes < PART_BYTES) {
        const next = await chunks.next();
        if (closed) return;
        if (next.done) {
          ended = true;
          break;
        }
        const piece = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
        pieces.push(piece);
        bytes += piece.length;
      }
      if (pieces.length > 0) {
        // into a buffer of its own, handed over rather than cloned (a chunk may be a view of a larger buffer, which a clone would copy whole)
        const chunk = Buffer.allocUnsafeSlow(bytes);
        let at = 0;
        for (const piece of pieces) at += piece.copy(chunk, at);
        send({ type: 'bytes', chunk }, [chunk.buffer as ArrayBuffer]);
      }
      if (ended) send({ type: 'end' });
    } catch (err) {
      // the input itself failed (a dropped upload): that error, as it is
      fail(err);
    }
  };

  worker.on('message', (message: FromWorker) => {
    if (message.type === 'want' && !ended) void pump();
    else if (message.type === 'opened') opened(message);
    else if (message.type === 'progress') {
      // the caller's callback runs in this listener: what it throws fails the import, not the process
      try {
        load.onProgress?.(message.read);
      } catch (err) {
        fail(err);
      }
    }
    else if (message.type === 'part') {
      queue.push(message.part);
      wake?.();
    } else if (message.type === 'done') {
      done = true;
      costBasis = message.costBasis;
      wake?.();
    } else if (message.type === 'error') {
      const err: Error & { code?: string } = message.formatError ? new CostFileFormatError(message.message) : new Error(message.message);
      if (!message.formatError) err.name = message.name;
      if (message.code !== undefined) err.code = message.code;
      if (message.stack) err.stack = message.stack;
      fail(err);
    }
  });
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (!done && !closed) fail(new Error(`the cost file worker stopped (exit code ${code}) before the end of the file`));
  });

  let info;
  try {
    info = await header;
  } catch (err) {
    await close();
    throw err;
  }

  let iterated = false;
  async function* parts(): AsyncGenerator<CostFilePart> {
    try {
      for (;;) {
        // a known failure first: the parts still queued are not loaded after it
        if (failure !== undefined) throw failure;
        const part = queue.shift();
        if (part) {
          send({ type: 'ack' });
          yield part;
        } else if (done) {
          return;
        } else {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      }
    } finally {
      await close();
    }
  }

  return {
    format: info.format,
    variant: info.variant,
    columns: info.columns,
    parts: {
      [Symbol.asyncIterator]() {
        if (iterated) throw new Error('the parts of a cost file can only be iterated once');
        iterated = true;
        return parts();
      },
    },
    costBasis: () => (done && queue.length === 0 ? costBasis : null),
    close,
  };
}
