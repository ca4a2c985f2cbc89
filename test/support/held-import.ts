/**
 * A trace import held open at a known point, and the weblog events of its run, for tests of what runs
 * beside an import (test/services/capture/import-*.test.ts).
 */
import { PassThrough } from 'node:stream';
import type { CaptureSettings } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { importTrace } from '../../src/services/capture/trace-import.js';

export const POOL = 'nf-d4';
export const T0 = Date.parse('2025-06-02T10:00:00Z');
export const HEADER = 'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tstart\tcomplete\tduration\trealtime\tcpus\tmemory\tqueue\n';
const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/** Trace rows `from`..`to`: hash `tr/<id>`, 30 minutes of realtime each, every one COMPLETED. */
export const traceRows = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const id = from + i;
    return `${id}\ttr/${id}\tnat-${id}\tALIGN (s${id})\tCOMPLETED\t0\t${stamp(T0)}\t${stamp(T0 + 1000)}\t${stamp(T0 + 1000 + 1_800_000)}\t30m 1s\t30m\t2\t4 GB\t${POOL}\n`;
  }).join('');

/**
 * A trace row of a task Nextflow had not finished when it wrote the file (mid-run, or an interrupted run):
 * no end, usage or exit; hash `tr/<id>` as traceRows.
 */
export const unfinishedRow = (id: number, status: 'RUNNING' | 'SUBMITTED') =>
  `${id}\ttr/${id}\tnat-${id}\tALIGN (s${id})\t${status}\t-\t${stamp(T0)}\t${status === 'RUNNING' ? stamp(T0 + 1000) : '-'}\t-\t-\t-\t2\t4 GB\t${POOL}\n`;

/** traceRows `from`..`to`, those in `running` written as unfinishedRow(id, 'RUNNING'). */
export const traceRowsWithRunning = (from: number, to: number, running: readonly number[] = []) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i).map((id) => (running.includes(id) ? unfinishedRow(id, 'RUNNING') : traceRows(id, id))).join('');

/** A weblog event body as Nextflow posts it; a task's hash is `wb/<id>`, so which source won is plain. */
export const processEvent = (session: string, event: 'process_submitted' | 'process_started' | 'process_completed', taskId: number) => {
  const status = { process_submitted: 'SUBMITTED', process_started: 'RUNNING', process_completed: 'COMPLETED' }[event];
  const done = event === 'process_completed' ? { start: T0 + 2000, complete: T0 + 62_000, duration: 62_000, realtime: 60_000, exit: 0 } : {};
  return {
    runName: 'busy_run', runId: session, event, utcTime: new Date(T0).toISOString(),
    trace: { task_id: taskId, hash: `wb/${taskId}`, name: `ALIGN (s${taskId})`, process: 'ALIGN', status, submit: T0, cpus: 2, memory: 4 * 1024 ** 3, queue: POOL, ...done },
  };
};

export const workflowEvent = (session: string, event: 'started' | 'completed', parameters: Record<string, unknown> = {}) => ({
  runName: 'busy_run', runId: session, event, utcTime: new Date(T0).toISOString(),
  metadata: { parameters, workflow: { runName: 'busy_run', sessionId: session, start: new Date(T0).toISOString(), manifest: { name: 'nf-core/demo' },
    ...(event === 'completed' ? { complete: new Date(T0 + 7_200_000).toISOString(), success: true } : {}) } },
});

/** Settles with 'settled' when `p` does, or with 'guard' after `ms`: a way to fail instead of hanging, never a timing. */
export function settledOrGuard(p: Promise<unknown>, ms: number): Promise<'settled' | 'guard'> {
  let timer: NodeJS.Timeout;
  const guard = new Promise<'guard'>((resolve) => (timer = setTimeout(() => resolve('guard'), ms)));
  return Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), guard]).finally(() => clearTimeout(timer));
}

/**
 * An import of trace rows 1–3000 into `runId`, held open once it has written its first two batches
 * (2,000 tasks): it cannot commit before `release` (or end otherwise before `fail`). Tasks in `running`
 * are RUNNING in it (unfinishedRow).
 */
export async function heldImport(db: Db, orgId: string, runId: string, settings: CaptureSettings, running: readonly number[] = []) {
  const input = new PassThrough();
  let firstBatches!: () => void;
  const flushed = new Promise<void>((resolve) => (firstBatches = resolve));
  input.write(HEADER + traceRowsWithRunning(1, 2500, running));
  let open = true;
  const importing = importTrace(db, orgId, input, settings, {
    runId, timeZone: 'UTC', fileName: 'held.txt', onProgress: (rows) => rows >= 2000 && firstBatches(),
  }).finally(() => (open = false));
  importing.catch(() => undefined);
  await flushed;
  return {
    importing,
    /** False once the import's transaction has ended (committed or rolled back). */
    isOpen: () => open,
    /** The rest of the file: the import may finish. */
    release: () => input.writableEnded || input.destroyed || input.end(traceRowsWithRunning(2501, 3000, running)),
    /** The upload breaks off: the import rolls back. */
    fail: () => input.destroy(new Error('the upload broke off')),
  };
}
