/** What the file import's main thread and its worker (cost-file-worker) say to each other. */
import type { CostBasisLines, CostFormat, OpenCostFileOptions, QuarantinedRow } from '../ingest/costs/index.js';
import type { EncodedCostBatch } from './cost-batch.js';

export interface WorkerSetup {
  options: OpenCostFileOptions;
  /** The load's constant COPY columns (loadPrefix). */
  prefix: string;
  batchRows?: number;
  /** Say `progress` every this many records read (0: never). */
  progressEvery: number;
  /** Mixed into every row hash (see WorkerLoadOptions). */
  hashNamespace?: string;
}

/** What the worker read since its previous part: quarantined rows, and a full batch (or the last one). */
export interface CostFilePart {
  batch: EncodedCostBatch | null;
  rejects: QuarantinedRow[];
  /** Records read so far (rows and quarantined). */
  read: number;
}

export type ToWorker =
  | { type: 'bytes'; chunk: Uint8Array }
  | { type: 'end' }
  /** The main thread took a part: the worker may post one more. */
  | { type: 'ack' };

export type FromWorker =
  /** The worker wants the file's next bytes. */
  | { type: 'want' }
  | { type: 'opened'; format: CostFormat; variant: string; columns: string[] }
  | { type: 'progress'; read: number }
  | { type: 'part'; part: CostFilePart }
  | { type: 'done'; costBasis: CostBasisLines }
  /** A failure, with what the main thread needs to rebuild it: its class's name, and a system error's code (zlib's, say). */
  | { type: 'error'; message: string; formatError: boolean; name: string; code?: string; stack?: string };
