import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { CaptureSettings } from '../../config.js';
import type { Db } from '../../db/client.js';
import { errorText } from '../../db/query-error.js';
import { importRejects, imports, projects, runs, type ImportRow } from '../../db/schema/index.js';
import { openTrace, TraceFormatError, type TraceItem } from '../../ingest/nextflow/index.js';
import { AppError, badInput, notFound } from '../../errors.js';
import { orgCurrencySql } from '../org-currency.js';
import { isUuid } from '../runs.js';
import { lockReconciliations } from '../reconcile-lock.js';
import { unlistDaysOfRun } from '../cost-rollup.js';
import { deriveTaskTimes } from './derived-times.js';
import { lockRunForImport } from './import-lock.js';
import { assignPools, refreshRunFromTasks } from './run-capture.js';
import { publishRunUpdated } from './run-events.js';
import { toTaskInsert, upsertTasks, type TaskInsert } from './task-upsert.js';

export interface TraceImportOptions {
  /** The run the trace belongs to (registered or captured); omitted: a new run is created. */
  runId?: string | null;
  /** Ties the run to a project when it has none. */
  projectCode?: string | null;
  runName?: string | null;
  /** IANA zone of the machine that ran Nextflow (trace dates are its local time). */
  timeZone?: string | null;
  fileName?: string | null;
  principalId?: string | null;
  /** Called after each batch with the rows read so far. */
  onProgress?: (rowsRead: number) => void;
  /**
   * Without a run, a file imported before (same bytes, same time zone) goes to the run it made then, not
   * to a new one; true makes a new run all the same (the demo loads one trace as several runs).
   */
  newRunForRepeat?: boolean;
}

export interface TraceImportReport {
  importId: string;
  runId: string;
  rowsRead: number;
  tasksCreated: number;
  tasksUpdated: number;
  tasksUnchanged: number;
  rejected: { line: number; reason: string }[];
  rejectedCount: number;
  unknownColumns: string[];
  columns: string[];
  /** The earlier import of the same file this one repeated: nothing was written, `runId` is that import's run. */
  repeatOf?: string;
}

const BATCH = 1000;
/** Lock namespace (first key of pg_advisory_xact_lock) of one trace file's imports without a run. */
const TRACE_FILE_LOCK = 7_240_032;
/** The report lists this many rejected lines; all of them are stored in import_rejects. */
const REPORTED_REJECTS = 100;

/**
 * Streams a Nextflow trace file into tasks, in one transaction (a failure leaves nothing half-imported):
 * 1. the header is checked first: a file that is not a trace is refused before anything is written;
 * 2. rows are upserted in batches on `(run, task_id)` — the trace wins over weblog events of the same status
 *    (a weblog event of a later status wins over it: upsertTasks);
 * 3. rejected lines are kept with line number, raw text and reason;
 * 4. task times the file lacks are derived where it allows (derived-times.ts);
 * 5. the run's task facts are refreshed and `runUpdated` goes out on commit.
 *
 * Locks, in this order: the organization's reconciliation lock (shared), this run's import lock (advisory),
 * the run's row key-share (it cannot be deleted or merged away; the run's weblog events are not kept
 * waiting, see captureWeblogEvent), the task rows batch by batch and then the run's tasks that times or
 * pools change, and only then the run's row for writing (a project, the task count, a settled status),
 * held for the last statements to the commit. A weblog event of the run waits for the import only for
 * a task row both write, or for those last statements; a task row after the run's lock would deadlock
 * with an event that holds that row and waits for the run.
 */
export async function importTrace(db: Db, orgId: string, input: Readable, settings: CaptureSettings, opts: TraceImportOptions = {}): Promise<TraceImportReport> {
  let trace: Awaited<ReturnType<typeof openTrace>>;
  const content = fingerprint(input);
  try {
    trace = await openTrace(content.stream, { timeZone: opts.timeZone ?? 'UTC' });
  } catch (err) {
    input.destroy();
    if (err instanceof TraceFormatError) throw new AppError('BAD_USER_INPUT', `not a Nextflow trace file: ${err.message}`, { field: 'file' });
    if (err instanceof RangeError || /time ?zone/i.test((err as Error).message)) throw badInput('tz', (err as Error).message);
    throw err;
  }
  if (opts.runId && !isUuid(opts.runId)) throw notFound('Run', opts.runId);

  try {
    return await db.transaction(async (tx) => {
      await lockReconciliations(tx, orgId, 'shared');
      const projectId = await projectOf(tx as unknown as Db, orgId, opts.projectCode);
      const runId = await openRun(tx as unknown as Db, orgId, opts, projectId);
      // as the run is now: a first claim may give it a session before the import ends (run-claim.ts), and the
      // run ends as if that claim had come after the import
      const endsByTrace = await hasNoSession(tx as unknown as Db, orgId, runId);
      const [record] = await tx
        .insert(imports)
        .values({ orgId, kind: 'TRACE', fileName: opts.fileName ?? null, format: `trace/${trace.header.delimiter === ',' ? 'csv' : 'tsv'}`, runId, principalId: opts.principalId ?? null })
        .returning();
      const report: TraceImportReport = {
        importId: record.id,
        runId,
        rowsRead: 0,
        tasksCreated: 0,
        tasksUpdated: 0,
        tasksUnchanged: 0,
        rejected: [],
        rejectedCount: 0,
        unknownColumns: trace.header.unknownColumns,
        columns: trace.header.columns,
      };
      // the same task_id twice in one batch would make one INSERT touch a row twice: last one wins
      let batch = new Map<number, TaskInsert>();
      let rejects: { line: number; raw: string; reason: string }[] = [];
      const flush = async () => {
        const outcome = await upsertTasks(tx, [...batch.values()]);
        report.tasksCreated += outcome.created;
        report.tasksUpdated += outcome.updated;
        report.tasksUnchanged += outcome.unchanged;
        if (rejects.length > 0) await tx.insert(importRejects).values(rejects.map((r) => ({ orgId, importId: record.id, ...r })));
        batch = new Map();
        rejects = [];
        opts.onProgress?.(report.rowsRead);
      };
      for await (const item of trace.rows as AsyncIterable<TraceItem>) {
        report.rowsRead++;
        if (item.kind === 'rejected') {
          report.rejectedCount++;
          if (report.rejected.length < REPORTED_REJECTS) report.rejected.push({ line: item.line, reason: item.reason });
          rejects.push({ line: item.line, raw: item.raw, reason: item.reason });
        } else {
          const row = toTaskInsert(orgId, runId, item.record, 'trace', settings.samplePattern);
          batch.set(row.taskId, row);
        }
        if (batch.size + rejects.length >= BATCH) await flush();
      }
      await flush();
      const fileKey = `${content.digest()} ${opts.timeZone ?? 'UTC'}`;
      if (!opts.runId && !opts.newRunForRepeat) {
        // two uploads of one file at once: the second waits for the first to commit, then finds it
        await tx.execute(sql`select pg_advisory_xact_lock(${TRACE_FILE_LOCK}, hashtext(${`${orgId}:${fileKey}`}))`);
        const earlier = await earlierImportOf(tx as unknown as Db, orgId, fileKey, record.id);
        // the same file again: its run holds it already; undo this one's new run rather than count the file twice
        if (earlier) throw new RepeatedTrace({ ...report, importId: earlier.id, runId: earlier.runId, tasksCreated: 0, tasksUpdated: 0, tasksUnchanged: report.rowsRead - report.rejectedCount, repeatOf: earlier.id });
      }
      // a second pass over the run's tasks, so only for a file that lacks a column to derive
      const lacksTimes = !trace.header.columns.includes('start') || !trace.header.columns.includes('complete');
      const derived = lacksTimes ? await deriveTaskTimes(tx, orgId, runId) : 0;
      await assignPools(tx, orgId, runId);
      // the run's row from here on: no task row is locked after it (see above)
      await tx.execute(sql`select 1 from runs where org_id = ${orgId} and id = ${runId} for no key update`);
      if (opts.runId && projectId) await tieToProject(tx as unknown as Db, orgId, runId, projectId);
      await refreshRunFromTasks(tx, orgId, runId, report.tasksCreated + report.tasksUpdated + derived > 0);
      if (endsByTrace) await settleImportedRun(tx as unknown as Db, orgId, runId);
      await tx
        .update(imports)
        .set({
          status: 'SUCCEEDED',
          rowsRead: report.rowsRead,
          rowsLoaded: report.tasksCreated + report.tasksUpdated,
          rowsCreated: report.tasksCreated,
          rowsUpdated: report.tasksUpdated,
          rowsUnchanged: report.tasksUnchanged,
          rowsRejected: report.rejectedCount,
          report: { unknownColumns: report.unknownColumns, columns: report.columns, fileKey },
          finishedAt: new Date(),
        })
        .where(and(eq(imports.orgId, orgId), eq(imports.id, record.id)));
      await publishRunUpdated(tx, orgId, runId);
      return report;
    });
  } catch (err) {
    if (err instanceof RepeatedTrace) {
      // what the repeat says of its run (a project the first import lacked) still applies, to that run
      if (opts.projectCode) {
        const runId = err.report.runId;
        await db.transaction(async (tx) => tieToProject(tx as unknown as Db, orgId, runId, await projectOf(tx as unknown as Db, orgId, opts.projectCode)));
      }
      return err.report;
    }
    input.destroy();
    await recordFailedImport(db, orgId, opts, err);
    throw err;
  }
}

/** Thrown inside the import's transaction to roll it back when the file was imported before. */
class RepeatedTrace extends Error {
  constructor(readonly report: TraceImportReport) {
    super('trace imported before');
  }
}

/** The bytes of `input` as they are read, and their SHA-256 once read to the end. */
function fingerprint(input: Readable): { stream: Readable; digest(): string } {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // errors of the source reach the reader of the tap (pipe alone would leave it waiting)
  input.on('error', (err) => stream.destroy(err));
  input.pipe(stream);
  return { stream, digest: () => hash.copy().digest('hex') };
}

/** The latest successful import of the same file (bytes and time zone) whose run still exists. */
async function earlierImportOf(db: Db, orgId: string, fileKey: string, currentId: string): Promise<{ id: string; runId: string } | null> {
  const [row] = await db.execute<{ id: string; run_id: string }>(sql`
    select i.id, i.run_id from imports i join runs r on r.org_id = i.org_id and r.id = i.run_id
    where i.org_id = ${orgId} and i.kind = 'TRACE' and i.status = 'SUCCEEDED' and i.id <> ${currentId} and i.report ->> 'fileKey' = ${fileKey}
    order by i.started_at desc limit 1`);
  return row ? { id: row.id, runId: row.run_id } : null;
}

async function projectOf(db: Db, orgId: string, code: string | null | undefined): Promise<string | null> {
  if (!code) return null;
  const [project] = await db.select({ id: projects.id }).from(projects).where(and(eq(projects.orgId, orgId), eq(projects.code, code)));
  if (!project) throw notFound('Project', code);
  return project.id;
}

/** The run the rows go to: the one named (only key-share locked until the import's end), or a new one. */
async function openRun(db: Db, orgId: string, opts: TraceImportOptions, projectId: string | null): Promise<string> {
  if (opts.runId) {
    await lockRunForImport(db, orgId, opts.runId);
    const [run] = await db.select({ id: runs.id }).from(runs).where(and(eq(runs.orgId, orgId), eq(runs.id, opts.runId))).for('key share');
    if (!run) throw notFound('Run', opts.runId);
    return run.id;
  }
  const [run] = await db
    .insert(runs)
    .values({ orgId, projectId, runName: opts.runName ?? opts.fileName ?? null, status: 'RUNNING', currency: orgCurrencySql(orgId) })
    .returning({ id: runs.id });
  return run.id;
}

/** Ties the run to the project when it has none; the rollup then lists its days anew. */
async function tieToProject(db: Db, orgId: string, runId: string, projectId: string | null): Promise<void> {
  if (!projectId) return;
  const tied = await db
    .update(runs)
    .set({ projectId, updatedAt: new Date() })
    .where(and(eq(runs.orgId, orgId), eq(runs.id, runId), isNull(runs.projectId)))
    .returning({ id: runs.id });
  if (tied.length > 0) await unlistDaysOfRun(db, orgId, runId);
}

/** The run has no Nextflow session (no weblog event reports on it): only its trace can say it ended. */
async function hasNoSession(db: Db, orgId: string, runId: string): Promise<boolean> {
  const [run] = await db.select({ sessionId: runs.sessionId }).from(runs).where(and(eq(runs.orgId, orgId), eq(runs.id, runId)));
  return run.sessionId === null;
}

/**
 * A run known only from its trace (see hasNoSession) has no workflow events to say how it ended. Once every
 * task is in a final state it counts as SUCCEEDED, ending at its last task; a trace cannot tell a failed run
 * from one whose failed tasks were retried or ignored, so FAILED comes only from a weblog `completed` event.
 */
async function settleImportedRun(db: Db, orgId: string, runId: string): Promise<void> {
  await db.execute(sql`
    update runs r set status = 'SUCCEEDED', completed_at = coalesce(r.completed_at, t.last_complete), updated_at = now()
    from (select max(completed_at) as last_complete,
                 bool_and(status in ('COMPLETED', 'FAILED', 'ABORTED', 'CACHED')) as settled,
                 count(*) as n
          from tasks where org_id = ${orgId} and run_id = ${runId}) t
    where r.org_id = ${orgId} and r.id = ${runId} and r.status in ('REGISTERED', 'RUNNING') and t.n > 0 and t.settled`);
}

async function recordFailedImport(db: Db, orgId: string, opts: TraceImportOptions, err: unknown): Promise<ImportRow | undefined> {
  if (err instanceof AppError && err.code === 'NOT_FOUND') return undefined;
  const [row] = await db
    .insert(imports)
    .values({ orgId, kind: 'TRACE', status: 'FAILED', fileName: opts.fileName ?? null, error: err instanceof AppError ? err.message : errorText(err), finishedAt: new Date() })
    .returning();
  return row;
}
