/**
 * A trace import and the same run's weblog events at once. Nextflow posts its events one after another and
 * drops what a slow endpoint does not take, so an event must not wait for an import of the run's trace (a
 * 100,000-row file takes seconds) — only for the one task row both write, when they do — and the two must
 * never deadlock, whatever the order their statements meet in.
 */
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import { parseWeblogEvent } from '../../../src/ingest/nextflow/weblog.js';
import { importTrace, type TraceImportReport } from '../../../src/services/capture/trace-import.js';
import { captureWeblogEvent } from '../../../src/services/capture/weblog.js';
import { PoolService } from '../../../src/services/pools.js';
import { RunService } from '../../../src/services/runs.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../../support/app.js';

const settings = loadConfig({}).capture;
const POOL = 'nf-d4';
const T0 = Date.parse('2025-06-02T10:00:00Z');
const HEADER = 'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tstart\tcomplete\tduration\trealtime\tcpus\tmemory\tqueue\n';
const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
/** Trace rows `from`..`to`: hash `tr/<id>`, 30 minutes of realtime each, every one COMPLETED. */
const traceRows = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => {
    const id = from + i;
    return `${id}\ttr/${id}\tnat-${id}\tALIGN (s${id})\tCOMPLETED\t0\t${stamp(T0)}\t${stamp(T0 + 1000)}\t${stamp(T0 + 1000 + 1_800_000)}\t30m 1s\t30m\t2\t4 GB\t${POOL}\n`;
  }).join('');

/** A weblog event body as Nextflow posts it; a task's hash is `wb/<id>`, so which source won is plain. */
const processEvent = (session: string, event: 'process_submitted' | 'process_started' | 'process_completed', taskId: number) => {
  const status = { process_submitted: 'SUBMITTED', process_started: 'RUNNING', process_completed: 'COMPLETED' }[event];
  const done = event === 'process_completed' ? { start: T0 + 2000, complete: T0 + 62_000, duration: 62_000, realtime: 60_000, exit: 0 } : {};
  return {
    runName: 'busy_run', runId: session, event, utcTime: new Date(T0).toISOString(),
    trace: { task_id: taskId, hash: `wb/${taskId}`, name: `ALIGN (s${taskId})`, process: 'ALIGN', status, submit: T0, cpus: 2, memory: 4 * 1024 ** 3, queue: POOL, ...done },
  };
};
const workflowEvent = (session: string, event: 'started' | 'completed', parameters: Record<string, unknown> = {}) => ({
  runName: 'busy_run', runId: session, event, utcTime: new Date(T0).toISOString(),
  metadata: { parameters, workflow: { runName: 'busy_run', sessionId: session, start: new Date(T0).toISOString(), manifest: { name: 'nf-core/demo' },
    ...(event === 'completed' ? { complete: new Date(T0 + 7_200_000).toISOString(), success: true } : {}) } },
});

/** Settles with 'settled' when `p` does, or with 'guard' after `ms`: a way to fail instead of hanging, never a timing. */
function settledOrGuard(p: Promise<unknown>, ms: number): Promise<'settled' | 'guard'> {
  let timer: NodeJS.Timeout;
  const guard = new Promise<'guard'>((resolve) => (timer = setTimeout(() => resolve('guard'), ms)));
  return Promise.race([p.then(() => 'settled' as const, () => 'settled' as const), guard]).finally(() => clearTimeout(timer));
}

describe('trace import beside the same run\'s weblog events', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let sessions = 0;
  before(async () => {
    t = await startTestApp();
    org = await createOrgWithKeys(t.db, 'import-beside-weblog');
    await new PoolService(t.db.db, org.org.id).declare({ name: POOL, region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED' });
    await t.db.sql`insert into projects (org_id, code, name) values (${org.org.id}, 'P1', 'p1')`;
  });
  after(() => t.close());

  const capture = (body: object) => captureWeblogEvent(t.db.db, org.org.id, parseWeblogEvent(body), settings);
  const post = (body: object) =>
    fetch(`${t.url}/nextflow/weblog`, { method: 'POST', headers: { authorization: `Bearer ${org.analyst}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  /** A run Nextflow announced (weblog `started`), as a trace is imported into it: by its id. */
  async function capturedRun(parameters: Record<string, unknown> = {}) {
    const session = `5e551011-0000-4000-8000-${String(++sessions).padStart(12, '0')}`;
    const { runId } = await capture(workflowEvent(session, 'started', parameters));
    return { session, runId };
  }
  /** An import of trace rows 1–3000 into `runId`, held open once it has written its first two batches (2,000 tasks). */
  async function heldImport(runId: string) {
    const input = new PassThrough();
    let firstBatches!: () => void;
    const flushed = new Promise<void>((resolve) => (firstBatches = resolve));
    input.write(HEADER + traceRows(1, 2500));
    const importing = importTrace(t.db.db, org.org.id, input, settings, {
      runId, timeZone: 'UTC', fileName: 'held.txt', onProgress: (rows) => rows >= 2000 && firstBatches(),
    });
    importing.catch(() => undefined);
    await flushed;
    return {
      importing,
      /** The rest of the file: the import may finish. */
      release: () => input.writableEnded || input.end(traceRows(2501, 3000)),
    };
  }

  test('an event for the run finishes while the import is held open after its first batches; one for a task the import holds waits for that row only', async () => {
    const { session, runId } = await capturedRun();
    // a task the weblog saw before the import: the trace takes it over
    await capture(processEvent(session, 'process_completed', 5));

    const { importing, release } = await heldImport(runId);
    const pending: Promise<unknown>[] = [importing];
    try {
      // the import has written 2,000 task rows and waits for more of the file

      // over HTTP as Nextflow posts it: a new task (the run's task count moves) and its completion
      for (const event of ['process_submitted', 'process_completed'] as const) {
        const res = post(processEvent(session, event, 900_001));
        pending.push(res);
        assert.equal(await settledOrGuard(res, 60_000), 'settled', `${event} of a task the trace lacks waited for the import`);
        assert.equal((await res).status, 200);
      }
      // through the service: the workflow's end (it writes the run row) and another new task
      for (const body of [workflowEvent(session, 'completed'), processEvent(session, 'process_started', 900_002)]) {
        const done = capture(body);
        pending.push(done);
        assert.equal(await settledOrGuard(done, 60_000), 'settled', `${body.event} waited for the import`);
        await done;
      }

      // task 7 is a row the import wrote and has not committed: that one event waits for the row (and only it)
      const sameRow = capture(processEvent(session, 'process_completed', 7));
      pending.push(sameRow);
      for (let i = 0; ; i++) {
        const [waiting] = await t.db.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'transactionid' and query like '%insert into tasks%'`;
        if (waiting.n > 0) break;
        assert.ok(i < 600, 'the event for a task the import holds was expected to wait for its row');
        await new Promise((r) => setTimeout(r, 100));
      }

      release();
      const report = await importing;
      await sameRow;
      assert.deepEqual([report.rowsRead, report.tasksCreated, report.tasksUpdated, report.rejectedCount], [3000, 2999, 1, 0]);
    } finally {
      release();
      await Promise.allSettled(pending);
    }

    const [run] = await t.db.sql<{ status: string; task_count: number; n: number }[]>`
      select r.status, r.task_count, (select count(*)::int from tasks where run_id = r.id) as n from runs r where r.id = ${runId}`;
    assert.deepEqual({ ...run }, { status: 'SUCCEEDED', task_count: 3002, n: 3002 });
    // the trace wins where it has the task, before and after the event that waited
    const rows = await t.db.sql<{ task_id: number; hash: string; source: string; vm_size: string | null }[]>`
      select task_id, hash, source, vm_size from tasks where run_id = ${runId} and task_id in (5, 7, 900001, 900002) order by task_id`;
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { task_id: 5, hash: 'tr/5', source: 'trace', vm_size: 'Standard_D4_v3' },
      { task_id: 7, hash: 'tr/7', source: 'trace', vm_size: 'Standard_D4_v3' },
      { task_id: 900001, hash: 'wb/900001', source: 'weblog', vm_size: 'Standard_D4_v3' },
      { task_id: 900002, hash: 'wb/900002', source: 'weblog', vm_size: 'Standard_D4_v3' },
    ]);
  });

  test("a LIMS-registered run its session claimed: its `completed`, which names the run again, finishes while an import into it is held open", async () => {
    const registered = (await new RunService(t.db.db, org.org.id, 100).register({ projectCode: 'P1', pipeline: 'nf-core/demo' })).id;
    const { session, runId } = await capturedRun({ [settings.runIdParam]: registered });
    assert.equal(runId, registered);
    const { importing, release } = await heldImport(runId);
    const pending: Promise<unknown>[] = [importing];
    try {
      const done = capture(workflowEvent(session, 'completed', { [settings.runIdParam]: registered }));
      pending.push(done);
      assert.equal(await settledOrGuard(done, 60_000), 'settled', 'the completed event waited for the import');
      assert.equal((await done).runId, registered);
      release();
      assert.equal((await importing).tasksCreated, 3000);
    } finally {
      release();
      await Promise.allSettled(pending);
    }
    const [run] = await t.db.sql<{ status: string; task_count: number }[]>`select status, task_count from runs where id = ${registered}`;
    assert.deepEqual({ ...run }, { status: 'SUCCEEDED', task_count: 3000 });
  });

  test('an import and many events on one run at once, repeated: no deadlock, the trace wins, the run counts every task once, a second import changes nothing', async () => {
    const TRACED = 2000;
    const trace = HEADER + traceRows(1, TRACED);
    // the weblog's tasks: the trace's last 40 (both write them) and 20 it lacks; each submitted, then completed
    const weblogTasks = Array.from({ length: 60 }, (_, i) => TRACED - 39 + i);
    for (let round = 0; round < 6; round++) {
      const { session, runId } = await capturedRun();
      const events = [
        ...weblogTasks.flatMap((id) => (['process_submitted', 'process_completed'] as const).map((e) => processEvent(session, e, id))),
        workflowEvent(session, 'completed'),
      ];
      // the events start at another point of the import each round, the later ones meeting its end
      let startEvents!: () => void;
      const go = new Promise<void>((resolve) => (startEvents = resolve));
      const from = (round % 3) * 1000;
      if (from === 0) startEvents();
      const importing = importTrace(t.db.db, org.org.id, Readable.from([trace]), settings, {
        runId, timeZone: 'UTC', fileName: `round-${round}.txt`, onProgress: (rows) => rows >= from && startEvents(),
      });
      const sending = go.then(async () => {
        const queue = [...events];
        // four clients at once (the test database's pool has five connections; the import holds one)
        await Promise.all(Array.from({ length: 4 }, async () => {
          for (let e = queue.shift(); e; e = queue.shift()) await capture(e);
        }));
      });
      const [imported, sent] = await Promise.allSettled([importing, sending]);
      for (const outcome of [imported, sent]) {
        if (outcome.status === 'rejected') {
          // Drizzle wraps the driver's error: Postgres' code and message are on its cause
          const err = ((outcome.reason as { cause?: unknown }).cause ?? outcome.reason) as { code?: string; message: string };
          assert.fail(`round ${round}: ${err.code === '40P01' ? 'deadlock' : 'error'} (${err.code}): ${err.message}`);
        }
      }
      const report = (imported as PromiseFulfilledResult<TraceImportReport>).value;
      assert.equal(report.rowsRead, TRACED);
      assert.equal(report.tasksCreated + report.tasksUpdated + report.tasksUnchanged, TRACED);

      const [facts] = await t.db.sql<{ status: string; task_count: number; n: number; trace_won: number; weblog_only: number; pooled: number }[]>`
        select r.status, r.task_count,
               (select count(*)::int from tasks where run_id = r.id) as n,
               (select count(*)::int from tasks where run_id = r.id and task_id <= ${TRACED} and source = 'trace' and hash = 'tr/' || task_id and status = 'COMPLETED' and realtime_ms = 1800000) as trace_won,
               (select count(*)::int from tasks where run_id = r.id and task_id > ${TRACED} and source = 'weblog' and hash = 'wb/' || task_id and status = 'COMPLETED') as weblog_only,
               (select count(*)::int from tasks where run_id = r.id and vm_size = 'Standard_D4_v3') as pooled
        from runs r where r.id = ${runId}`;
      assert.deepEqual({ ...facts }, { status: 'SUCCEEDED', task_count: TRACED + 20, n: TRACED + 20, trace_won: TRACED, weblog_only: 20, pooled: TRACED + 20 }, `round ${round}`);

      // the same file again: nothing changes, and the weblog meanwhile changes nothing the trace has
      const again = await importTrace(t.db.db, org.org.id, Readable.from([trace]), settings, { runId, timeZone: 'UTC', fileName: `round-${round}.txt` });
      assert.deepEqual([again.tasksCreated, again.tasksUpdated, again.tasksUnchanged], [0, 0, TRACED], `round ${round}`);
      const [{ task_count }] = await t.db.sql<{ task_count: number }[]>`select task_count from runs where id = ${runId}`;
      assert.equal(task_count, TRACED + 20);
    }
  });
});
