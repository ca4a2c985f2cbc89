/**
 * A trace import and the same run's weblog events at once. Nextflow posts its events one after another and
 * drops what a slow endpoint does not take, so an event must not wait for an import of the run's trace (a
 * 100,000-row file takes seconds), and the two must never deadlock, whatever the order their statements meet
 * in.
 *
 * What an open import no longer holds up at all, each beside an import held open after its first 2,000 rows,
 * so "before the import committed" is an order, not a timing:
 * 1. a weblog event for a task row the import has written (locked until it commits) is answered 202 and
 *    queued; its job applies it after the import, and the facts are those of the event sent after it;
 * 2. the first claim of a registered run (its `started` naming the run) goes through; the run ends as if the
 *    claim had come after the import;
 * 3. a live re-price of the run hands itself to the next slot instead of holding the queue's only worker,
 *    so another run's re-price is not kept waiting; the figure that follows counts the import's tasks.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import { parseWeblogEvent } from '../../../src/ingest/nextflow/weblog.js';
import { importTrace, type TraceImportReport } from '../../../src/services/capture/trace-import.js';
import { requestLiveEstimate } from '../../../src/jobs/live-estimate.js';
import { captureWeblogEvent } from '../../../src/services/capture/weblog.js';
import { LiveEstimateService } from '../../../src/services/live-estimates.js';
import { createOrganization } from '../../../src/services/organizations.js';
import { PoolService } from '../../../src/services/pools.js';
import { RunService } from '../../../src/services/runs.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../../support/app.js';
import { untilWaitingOnLock } from '../../support/lock-wait.js';
import { createTestDatabase } from '../../support/db.js';
import { HEADER, heldImport as holdImport, POOL, processEvent, settledOrGuard, traceRows, traceRowsWithRunning, workflowEvent } from '../../support/held-import.js';

const settings = loadConfig({}).capture;
/** Long enough never to fire unless something waits for the held import, which never ends by itself. */
const GUARD_MS = 60_000;

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
  const newSession = () => `5e551011-0000-4000-8000-${String(++sessions).padStart(12, '0')}`;
  /** A run Nextflow announced (weblog `started`), as a trace is imported into it: by its id. */
  async function capturedRun(parameters: Record<string, unknown> = {}) {
    const session = newSession();
    const { runId } = await capture(workflowEvent(session, 'started', parameters));
    return { session, runId };
  }
  const heldImport = (runId: string, running: number[] = []) => holdImport(t.db.db, org.org.id, runId, settings, running);
  const importWhole = (runId: string, running: number[] = []) =>
    importTrace(t.db.db, org.org.id, Readable.from([HEADER + traceRowsWithRunning(1, 3000, running)]), settings, { runId, timeZone: 'UTC', fileName: 'whole.txt' });

  test('an event for the run finishes while the import is held open after its first batches', async () => {
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
        assert.equal(await settledOrGuard(res, GUARD_MS), 'settled', `${event} of a task the trace lacks waited for the import`);
        assert.equal((await res).status, 200);
      }
      // through the service: the workflow's end (it writes the run row) and another new task
      for (const body of [workflowEvent(session, 'completed'), processEvent(session, 'process_started', 900_002)]) {
        const done = capture(body);
        pending.push(done);
        assert.equal(await settledOrGuard(done, GUARD_MS), 'settled', `${body.event} waited for the import`);
        await done;
      }

      release();
      const report = await importing;
      assert.deepEqual([report.rowsRead, report.tasksCreated, report.tasksUpdated, report.rejectedCount], [3000, 2999, 1, 0]);
    } finally {
      release();
      await Promise.allSettled(pending);
    }

    const [run] = await t.db.sql<{ status: string; task_count: number; n: number }[]>`
      select r.status, r.task_count, (select count(*)::int from tasks where run_id = r.id) as n from runs r where r.id = ${runId}`;
    assert.deepEqual({ ...run }, { status: 'SUCCEEDED', task_count: 3002, n: 3002 });
    // the trace wins where it has the task
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
      assert.equal(await settledOrGuard(done, GUARD_MS), 'settled', 'the completed event waited for the import');
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

  describe('what an open import no longer holds up', () => {
    /** Waits until `n` events queued for the run have been applied by their jobs. */
    async function deferredApplied(runId: string, n: number) {
      for (let i = 0; ; i++) {
        const jobs = await t.db.sql<{ state: string }[]>`select state from pgboss.job where name = 'capture.weblog-deferred' and data->>'runId' = ${runId}`;
        assert.ok(!jobs.some((j) => j.state === 'failed'), 'a queued event failed');
        if (jobs.filter((j) => j.state === 'completed').length >= n) return;
        assert.ok(i < 600, `queued events of run ${runId}: ${JSON.stringify(jobs)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }

    /** Returns once a transaction of the database waits for an import to end (import-lock.ts, waitForImports). */
    const waitingForImport = (sql: TestApp['db']['sql']) => untilWaitingOnLock(sql, '%pg_advisory_xact_lock_shared%', { wait: 'advisory' });

    /** Everything the run and its tasks say, without ids, sessions or timestamps of our own. */
    async function facts(runId: string) {
      const [run] = await t.db.sql`
        select status, task_count, started_at, completed_at, billed_in_full, project_id, pipeline_id, run_name, params - ${settings.runIdParam}::text as params
        from runs where id = ${runId}`;
      const tasks = await t.db.sql`
        select task_id, attempt, hash, native_id, name, status, source, submitted_at, started_at, completed_at, duration_ms, realtime_ms, cpus, memory_bytes, pool, vm_size, priority, exit_code
        from tasks where run_id = ${runId} order by task_id`;
      return { run: { ...run }, tasks: tasks.map((r) => ({ ...r })) };
    }

    test('an event for a task the import holds is answered 202 before the import commits, and applied after it as if sent then', async () => {
      const during = await capturedRun();
      const control = await capturedRun();
      // a task the weblog saw before the import: the trace takes it over
      for (const run of [during, control]) await capture(processEvent(run.session, 'process_completed', 5));

      const held = await heldImport(during.runId);
      try {
        // task 7 is a row the import has written and not committed
        const res = post(processEvent(during.session, 'process_completed', 7));
        assert.equal(await settledOrGuard(res, GUARD_MS), 'settled', 'the event waited for the import');
        assert.ok(held.isOpen());
        assert.equal((await res).status, 202);
        assert.deepEqual((await (await res).json()) as object, { ok: true, runId: during.runId, runCreated: false, taskCreated: false, taskUpdated: false, repriceDue: false, deferred: true });

        // its job waits for the import, without the session's lock: the run's next event goes through
        await waitingForImport(t.db.sql);
        const next = post(processEvent(during.session, 'process_submitted', 900_001));
        assert.equal(await settledOrGuard(next, GUARD_MS), 'settled', 'the next event waited for the import');
        assert.equal((await next).status, 200);
        assert.ok(held.isOpen());
      } finally {
        held.release();
        await held.importing;
      }
      await deferredApplied(during.runId, 1);

      // the control run: the same import, the same events after it
      await importWhole(control.runId);
      for (const body of [processEvent(control.session, 'process_completed', 7), processEvent(control.session, 'process_submitted', 900_001)]) {
        assert.equal((await post(body)).status, 200);
      }
      const [got, expected] = [await facts(during.runId), await facts(control.runId)];
      assert.deepEqual(got, expected);
      assert.deepEqual([got.run.task_count, got.tasks.length], [3001, 3001]);
      assert.deepEqual([got.tasks[6].task_id, got.tasks[6].hash, got.tasks[6].source], [7, 'tr/7', 'trace']);
    });

    test('a completion queued for a task the held import has RUNNING (a mid-run trace) completes it once the import has ended, as when sent after it', async () => {
      const during = await capturedRun();
      const control = await capturedRun();
      const held = await heldImport(during.runId, [7]);
      try {
        const res = post(processEvent(during.session, 'process_completed', 7));
        assert.equal(await settledOrGuard(res, GUARD_MS), 'settled', 'the event waited for the import');
        assert.ok(held.isOpen());
        assert.equal((await res).status, 202);
      } finally {
        held.release();
        await held.importing;
      }
      await deferredApplied(during.runId, 1);

      await importWhole(control.runId, [7]);
      assert.equal((await post(processEvent(control.session, 'process_completed', 7))).status, 200);
      const [got, expected] = [await facts(during.runId), await facts(control.runId)];
      assert.deepEqual(got, expected);
      // the weblog's completion leads; the trace's job id fills its gap
      const task7 = got.tasks[6];
      assert.deepEqual([task7.task_id, task7.status, task7.hash, task7.native_id, task7.source, task7.realtime_ms], [7, 'COMPLETED', 'wb/7', 'nat-7', 'weblog', '60000']);
    });

    test('an event queued for a task of an import that then fails is applied as if no import had been', async () => {
      const during = await capturedRun();
      const control = await capturedRun();
      const held = await heldImport(during.runId);
      try {
        const res = post(processEvent(during.session, 'process_completed', 7));
        assert.equal(await settledOrGuard(res, GUARD_MS), 'settled', 'the event waited for the import');
        assert.equal((await res).status, 202);
      } finally {
        held.fail();
        await assert.rejects(held.importing);
      }
      await deferredApplied(during.runId, 1);

      assert.equal((await post(processEvent(control.session, 'process_completed', 7))).status, 200);
      const [got, expected] = [await facts(during.runId), await facts(control.runId)];
      assert.deepEqual(got, expected);
      assert.deepEqual(got.tasks.map((r) => [r.task_id, r.hash, r.source, r.status]), [[7, 'wb/7', 'weblog', 'COMPLETED']]);
      assert.equal(got.run.task_count, 1);
    });

    test('the first claim of a registered run goes through while an import into it is held open; the run ends as if the claim came after the import', async () => {
      const register = async () => (await new RunService(t.db.db, org.org.id, 100).register({ projectCode: 'P1', pipeline: 'nf-core/demo' })).id;
      const claim = (registered: string) => workflowEvent(newSession(), 'started', { [settings.runIdParam]: registered });
      const during = await register();
      const control = await register();

      const held = await heldImport(during);
      try {
        const res = post(claim(during));
        assert.equal(await settledOrGuard(res, GUARD_MS), 'settled', 'the claim waited for the import');
        assert.ok(held.isOpen());
        assert.equal((await res).status, 200);
        assert.equal(((await (await res).json()) as { runId: string }).runId, during);
        const [run] = await t.db.sql<{ session_id: string | null; status: string }[]>`select session_id, status from runs where id = ${during}`;
        assert.ok(run.session_id !== null && run.status === 'RUNNING', JSON.stringify(run));
      } finally {
        held.release();
        await held.importing;
      }

      await importWhole(control);
      assert.equal((await post(claim(control))).status, 200);
      const [got, expected] = [await facts(during), await facts(control)];
      assert.deepEqual(got, expected);
      // every task of the trace settled: the import ended the run, the later `started` does not reopen it
      assert.deepEqual([got.run.status, got.run.task_count], ['SUCCEEDED', 3000]);
    });

    test("a live re-price of a run an import is held open on does not hold the queue's worker; the next figure counts the import's tasks", async () => {
      const during = await capturedRun();
      const control = await capturedRun();
      const other = await capturedRun();
      // weblog says task 5 ran one minute; the trace says 30: the figure after the import prices the trace's
      for (const run of [during, control, other]) await capture(processEvent(run.session, 'process_completed', 5));
      const live = new LiveEstimateService(t.db.db, org.org.id, t.app.models, t.app.config.estimation);
      const liveOf = (runId: string) => t.db.sql<{ value: string; features: { spent: string; finishedTasks: number } }[]>`
        select value, features from estimates where run_id = ${runId} and kind = 'LIVE' order by created_at desc limit 1`;

      const held = await heldImport(during.runId);
      try {
        const direct = live.reprice(during.runId);
        assert.equal(await settledOrGuard(direct, GUARD_MS), 'settled', 'the re-price waited for the import');
        assert.deepEqual(await direct, { status: 'importing' });

        // through the queue, as a task completion asks: the run's job first, then another run's
        await requestLiveEstimate(t.db.sql, org.org.id, during.runId);
        for (let i = 0; ; i++) {
          const [taken] = await t.db.sql<{ n: number }[]>`
            select count(*)::int as n from pgboss.job where name = 'estimates.live' and data->>'runId' = ${during.runId} and started_on is not null`;
          if (taken.n > 0) break;
          assert.ok(i < 600, 'the importing run\'s re-price was never taken');
          await new Promise((r) => setTimeout(r, 100));
        }
        await requestLiveEstimate(t.db.sql, org.org.id, other.runId);
        const stored = (async () => {
          while ((await liveOf(other.runId)).length === 0) await new Promise((r) => setTimeout(r, 100));
        })();
        assert.equal(await settledOrGuard(stored, GUARD_MS), 'settled', "another run's re-price waited for the import");
        assert.ok(held.isOpen());
        assert.equal((await liveOf(during.runId)).length, 0, 'nothing is priced while the import is open');
      } finally {
        held.release();
        await held.importing;
      }
      // the re-queued request prices the run as it is after the import
      for (let i = 0; (await liveOf(during.runId))[0]?.features.finishedTasks !== 3000; i++) {
        assert.ok(i < 600, 'the importing run was never re-priced after the import');
        await new Promise((r) => setTimeout(r, 100));
      }

      await importWhole(control.runId);
      assert.equal((await live.reprice(control.runId)).status, 'stored');
      const [[got], [expected]] = [await liveOf(during.runId), await liveOf(control.runId)];
      assert.deepEqual([got.value, got.features.spent, got.features.finishedTasks], [expected.value, expected.features.spent, expected.features.finishedTasks]);
      // task 5 is priced as the trace has it (30 minutes, as task 6), not as the weblog had it (one minute)
      const priced = await t.db.sql<{ task_id: number; value: string }[]>`
        select t.task_id, e.value from estimates e join tasks t on t.id = e.task_id
        where e.run_id = ${during.runId} and e.kind = 'TASK' and t.task_id in (5, 6) order by t.task_id`;
      assert.equal(priced.length, 2);
      assert.ok(Number(priced[0].value) > 0 && priced[0].value === priced[1].value, JSON.stringify(priced));
    });

    test('without a job queue (no server ever started on the database) such an event waits for the import and is applied', async () => {
      const bare = await createTestDatabase();
      try {
        const orgId = (await createOrganization(bare.db, { name: 'Bare', slug: 'bare' })).organization.id;
        const event = (body: object) => captureWeblogEvent(bare.db, orgId, parseWeblogEvent(body), settings);
        const session = newSession();
        const { runId } = await event(workflowEvent(session, 'started'));
        const held = await holdImport(bare.db, orgId, runId, settings);
        const sameRow = event(processEvent(session, 'process_completed', 7));
        sameRow.catch(() => undefined);
        await waitingForImport(bare.sql);
        held.release();
        await held.importing;
        assert.equal((await sameRow).deferred, false);
        const [row] = await bare.sql<{ hash: string; source: string }[]>`select hash, source from tasks where run_id = ${runId} and task_id = 7`;
        assert.deepEqual({ ...row }, { hash: 'tr/7', source: 'trace' });
      } finally {
        await bare.drop();
      }
    });
  });
});
