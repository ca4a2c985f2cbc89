/**
 * A trace file imported mid-run (or written by an interrupted Nextflow, which flushes its unfinished tasks
 * as RUNNING or SUBMITTED) and the weblog events of the same tasks, in either order, through the real
 * entry points (`POST /import/trace`, `POST /nextflow/weblog`, GraphQL):
 * - the weblog's `process_completed` after such a trace completes the task, so the live estimate prices it;
 * - such a trace after the weblog completed a task does not move it back, and fills what the weblog lacked;
 * - a final trace, its tasks ended, wins where both have a value; replays change nothing.
 * The task's hash tells which record's values a row holds: `tr/<id>` the trace's, `wb/<id>` the weblog's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import { PoolService } from '../../../src/services/pools.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../../support/app.js';
import { HEADER, POOL, processEvent, T0, traceRows, unfinishedRow, workflowEvent } from '../../support/held-import.js';

const settings = loadConfig({}).capture;

interface TaskFacts {
  taskId: number;
  status: string;
  hash: string;
  nativeId: string | null;
  source: string;
  realtimeMs: number | null;
  exitCode: number | null;
  completedAt: string | null;
  vmSize: string | null;
}

describe('a trace and the weblog on the same tasks, whichever comes first', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof createOrgWithKeys>>;
  before(async () => {
    t = await startTestApp();
    org = await createOrgWithKeys(t.db, 'trace-weblog-order');
    await new PoolService(t.db.db, org.org.id).declare({ name: POOL, region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED' });
  });
  after(() => t.close());

  const post = async (body: object) => {
    const res = await fetch(`${t.url}/nextflow/weblog`, { method: 'POST', headers: { authorization: `Bearer ${org.analyst}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { runId: string; taskUpdated: boolean; repriceDue: boolean };
  };
  const importTrace = async (runId: string, body: string, fileName: string) => {
    const res = await fetch(`${t.url}/import/trace?run=${runId}&tz=UTC&fileName=${fileName}`, { method: 'POST', headers: { authorization: `Bearer ${org.analyst}` }, body });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { tasksCreated: number; tasksUpdated: number; tasksUnchanged: number };
  };
  const tasks = async (runId: string): Promise<TaskFacts[]> => {
    const got = await t.gql(`{ run(id: "${runId}") { tasks(first: 10) { edges { node { taskId status hash nativeId source realtimeMs exitCode completedAt vmSize } } } } }`, {}, org.viewer);
    assert.equal(got.errors, undefined, JSON.stringify(got.errors));
    return got.data!.run.tasks.edges.map((e: { node: TaskFacts }) => e.node).sort((a: TaskFacts, b: TaskFacts) => a.taskId - b.taskId);
  };
  /** Once no live re-price of the run is queued or running: its latest LIVE figure, and what each task was priced. */
  const settledLiveEstimate = async (runId: string) => {
    for (let i = 0; ; i++) {
      const [pending] = await t.db.sql<{ n: number }[]>`
        select count(*)::int as n from pgboss.job where name = 'estimates.live' and data->>'runId' = ${runId} and state in ('created', 'retry', 'active')`;
      if (pending.n === 0) break;
      assert.ok(i < 600, 'the run\'s live re-price never ran');
      await new Promise((r) => setTimeout(r, 100));
    }
    const got = await t.gql(`{ run(id: "${runId}") { estimates(first: 1) { kind value features } } }`, {}, org.viewer);
    assert.equal(got.errors, undefined, JSON.stringify(got.errors));
    const [live] = got.data!.run.estimates as { kind: string; value: string; features: { spent: string; finishedTasks: number } }[];
    const priced = await t.db.sql<{ task_id: number; value: string }[]>`
      select t.task_id, e.value::text from estimates e join tasks t on t.org_id = e.org_id and t.id = e.task_id
      where e.org_id = ${org.org.id} and e.run_id = ${runId} and e.kind = 'TASK' order by t.task_id`;
    return { live, priced: new Map(priced.map((p) => [p.task_id, p.value])) };
  };

  test("the weblog's completion of a task a mid-run trace left RUNNING completes it and the live estimate prices it; the trace does not undo one the weblog completed before it", async () => {
    const session = '7ace0001-0000-4000-8000-000000000001';
    const { runId } = await post(workflowEvent(session, 'started'));
    // task 3 completes before the trace is written: the weblog has it, without the executor's job id
    await post(processEvent(session, 'process_submitted', 3));
    await post(processEvent(session, 'process_completed', 3));

    // the trace of the run so far: task 1 running, 2 done, 3 still running when the file was written
    const midRun = HEADER + unfinishedRow(1, 'RUNNING') + traceRows(2, 2) + unfinishedRow(3, 'RUNNING');
    const first = await importTrace(runId, midRun, 'mid-run.txt');
    assert.deepEqual([first.tasksCreated, first.tasksUpdated, first.tasksUnchanged], [2, 1, 0]);

    // task 1 ends: Nextflow posts its completion
    const completed = await post(processEvent(session, 'process_completed', 1));
    assert.deepEqual([completed.taskUpdated, completed.repriceDue], [true, true], 'the completion of a task the trace holds was refused');

    const done = { status: 'COMPLETED', exitCode: 0, vmSize: 'Standard_D4_v3' };
    const byWeblog = (id: number) => ({ ...done, taskId: id, hash: `wb/${id}`, nativeId: `nat-${id}`, source: 'weblog', realtimeMs: 60_000, completedAt: new Date(T0 + 62_000).toISOString() });
    const byTrace = (id: number) => ({ ...done, taskId: id, hash: `tr/${id}`, nativeId: `nat-${id}`, source: 'trace', realtimeMs: 1_800_000, completedAt: new Date(T0 + 1_801_000).toISOString() });
    // 1 and 3: the weblog's completion wins over the trace's unfinished row, whose job id fills the gap
    assert.deepEqual(await tasks(runId), [byWeblog(1), byTrace(2), byWeblog(3)]);

    const { live, priced } = await settledLiveEstimate(runId);
    assert.equal(live.kind, 'LIVE');
    assert.equal(live.features.finishedTasks, 3);
    assert.deepEqual([...priced.keys()], [1, 2, 3]);
    assert.ok(Number(priced.get(1)) > 0, `task 1 priced ${priced.get(1)}`);
    // priced as the weblog has it (one minute), at the rate of the trace's task 2 (30 minutes on the same VM share)
    assert.ok(Math.abs(Number(priced.get(1)) / Number(priced.get(2)) - 60_000 / 1_800_000) < 1e-6, JSON.stringify([...priced]));
    assert.ok(Number(live.features.spent) >= Number(priced.get(1)) + Number(priced.get(2)) + Number(priced.get(3)) - 1e-9, JSON.stringify(live.features));

    // replays change nothing, not even when the tasks were last written
    const [{ stamps: before }] = await t.db.sql<{ stamps: string }[]>`select string_agg(updated_at::text, ',' order by task_id) as stamps from tasks where run_id = ${runId}`;
    assert.deepEqual((({ taskUpdated, repriceDue }) => [taskUpdated, repriceDue])(await post(processEvent(session, 'process_completed', 1))), [false, false]);
    assert.equal((await post(processEvent(session, 'process_started', 1))).taskUpdated, false, 'a late process_started');
    const again = await importTrace(runId, midRun, 'mid-run-again.txt');
    assert.deepEqual([again.tasksCreated, again.tasksUpdated, again.tasksUnchanged], [0, 0, 3]);
    const [{ stamps: after }] = await t.db.sql<{ stamps: string }[]>`select string_agg(updated_at::text, ',' order by task_id) as stamps from tasks where run_id = ${runId}`;
    assert.equal(after, before);

    // the run's final trace, every task ended: it wins where both have a value
    const final = await importTrace(runId, HEADER + traceRows(1, 3), 'final.txt');
    assert.deepEqual([final.tasksCreated, final.tasksUpdated, final.tasksUnchanged], [0, 2, 1]);
    assert.deepEqual(await tasks(runId), [byTrace(1), byTrace(2), byTrace(3)]);
    // and a late weblog completion does not take them back
    assert.equal((await post(processEvent(session, 'process_completed', 3))).taskUpdated, false);
    assert.deepEqual(await tasks(runId), [byTrace(1), byTrace(2), byTrace(3)]);
  });

  test("a registered run's trace imported mid-run, its weblog events captured apart until `started` claims it: the merged task is the weblog's completed one", async () => {
    await t.db.sql`insert into projects (org_id, code, name) values (${org.org.id}, 'P1', 'p1') on conflict do nothing`;
    const reg = await t.gql(`mutation { registerRun(input: {pipeline: "nf-core/demo", projectCode: "P1"}) { id } }`, {}, org.analyst);
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    const registered: string = reg.data!.registerRun.id;
    const session = '7ace0001-0000-4000-8000-000000000002';
    // the trace so far goes to the registered run; the weblog's `started` is late, so its task events make a run of their own
    await importTrace(registered, HEADER + unfinishedRow(1, 'RUNNING') + unfinishedRow(2, 'SUBMITTED'), 'registered-mid-run.txt');
    for (const body of [processEvent(session, 'process_completed', 1), processEvent(session, 'process_started', 2)]) {
      assert.notEqual((await post(body)).runId, registered);
    }
    assert.equal((await post(workflowEvent(session, 'started', { [settings.runIdParam]: registered }))).runId, registered);

    const got = await tasks(registered);
    assert.deepEqual(got.map((r) => [r.taskId, r.status, r.hash, r.nativeId, r.source, r.realtimeMs]), [
      [1, 'COMPLETED', 'wb/1', 'nat-1', 'weblog', 60_000],
      // the weblog's RUNNING is later than the trace's SUBMITTED
      [2, 'RUNNING', 'wb/2', 'nat-2', 'weblog', null],
    ]);
  });
});
