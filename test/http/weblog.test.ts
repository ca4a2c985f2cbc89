import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TRACE_FILES, traceFixture } from '../ingest/nextflow/helpers.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';
import { fixturePath } from '../support/fixtures.js';
import { shuffled, weblogEventsFromTrace, type WeblogBody } from '../support/weblog-from-trace.js';

const post = (t: TestApp, body: string, auth: { header?: string; query?: string }) =>
  fetch(`${t.url}/nextflow/weblog${auth.query ?? ''}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth.header ? { authorization: auth.header } : {}) }, body });

async function replay(t: TestApp, key: string, events: WeblogBody[], concurrency = 8) {
  for (let i = 0; i < events.length; i += concurrency) {
    const results = await Promise.all(events.slice(i, i + concurrency).map((e) => post(t, JSON.stringify(e), { header: `Bearer ${key}` })));
    for (const r of results) assert.equal(r.status, 200, await r.text());
  }
}

/** Everything a replay must get right, in a stable order, without ids or timestamps of our own. */
async function snapshot(t: TestApp, orgId: string) {
  const runs = await t.db.sql`select session_id, run_name, status, started_at, completed_at, task_count, command_line from runs where org_id = ${orgId} order by session_id`;
  const tasks = await t.db.sql`
    select r.session_id, t.task_id, t.attempt, t.status, t.process, t.tag, t.sample, t.submitted_at, t.started_at, t.completed_at, t.realtime_ms, t.pcpu, t.peak_rss, t.exit_code, t.source
    from tasks t join runs r on r.org_id = t.org_id and r.id = t.run_id where t.org_id = ${orgId} order by 1, 2, 3`;
  return { runs, tasks };
}

describe('Nextflow weblog capture', () => {
  let t: TestApp;
  const events = weblogEventsFromTrace(fixturePath('nextflow-traces', 'openproblems', TRACE_FILES[0]), '3c1f2c7e-0000-4000-8000-000000000001', 'tender_curie');

  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  test('replaying the stream twice, shuffled, gives the same runs and tasks as once in order', async () => {
    const inOrder = await createOrgWithKeys(t.db, 'wl-ordered');
    const chaos = await createOrgWithKeys(t.db, 'wl-shuffled');
    await replay(t, inOrder.analyst, events, 1);
    await replay(t, chaos.analyst, shuffled(events, 42));
    await replay(t, chaos.analyst, shuffled(events, 7));
    const a = await snapshot(t, inOrder.org.id);
    const b = await snapshot(t, chaos.org.id);
    assert.equal(a.tasks.length, events.filter((e) => e.event === 'process_completed').length);
    assert.deepEqual(b, a);
    assert.equal(a.runs[0].status, 'SUCCEEDED');
    assert.ok(a.tasks.every((row) => row.status === 'COMPLETED' || row.status === 'FAILED'), 'no task moved back by a late event');
  });

  test('a completed event that arrives first still yields a consistent run', async () => {
    const o = await createOrgWithKeys(t.db, 'wl-late');
    const completed = events.at(-1)!;
    await replay(t, o.analyst, [completed, ...events.slice(0, -1)], 1);
    const { runs } = await snapshot(t, o.org.id);
    assert.equal(runs.length, 1);
    assert.equal(runs[0].status, 'SUCCEEDED', 'a late started does not reopen a completed run');
    assert.equal(runs[0].task_count, events.filter((e) => e.event === 'process_completed').length);
  });

  test('the trace file fills what the weblog missed, and wins on conflicts', async () => {
    const o = await createOrgWithKeys(t.db, 'wl-gaps');
    const dropped = events.filter((e, i) => !(e.event === 'process_completed' && i % 3 === 0));
    await replay(t, o.analyst, dropped);
    const [{ id }] = await t.db.sql<{ id: string }[]>`select id from runs where org_id = ${o.org.id}`;
    const res = await fetch(`${t.url}/import/trace?run=${id}`, { method: 'POST', headers: { authorization: `Bearer ${o.analyst}` }, body: traceFixture(TRACE_FILES[0]) });
    assert.equal(res.status, 200);
    const rows = await t.db.sql<{ status: string; source: string; cpus: number | null }[]>`select status, source, cpus from tasks where org_id = ${o.org.id}`;
    assert.equal(rows.length, events.filter((e) => e.event === 'process_completed').length);
    assert.ok(rows.every((r) => r.source === 'trace' && (r.status === 'COMPLETED' || r.status === 'FAILED')));
    assert.ok(rows.every((r) => r.cpus === 2), 'values only the weblog had (cpus) are kept where the trace is silent');
  });

  test('a retried task (a new task_id, attempt 2) from the weblog and then the trace without an attempt column is one task per try', async () => {
    const o = await createOrgWithKeys(t.db, 'wl-retry');
    const S = '3c1f2c7e-0000-4000-8000-0000000000aa';
    const base = { runName: 'retry_run', runId: S };
    const t0 = Date.parse('2024-03-01T10:00:00Z');
    const H = 3600_000;
    const task = (id: number, attempt: number, status: string, submit: number, extra: object = {}) =>
      ({ task_id: id, hash: `ab/${id}0000`, name: 'ALIGN (s1)', process: 'ALIGN', tag: 's1', attempt, cpus: 4, memory: 16 * 1024 ** 3, native_id: `job-${id}`, status, submit, ...extra });
    const at = (ms: number) => new Date(ms).toISOString();
    await replay(t, o.analyst, [
      { ...base, event: 'started', utcTime: at(t0), metadata: { parameters: {}, workflow: { runName: 'retry_run', sessionId: S, start: at(t0) } } },
      { ...base, event: 'process_completed', utcTime: at(t0 + H), trace: task(1, 1, 'FAILED', t0, { start: t0 + 1000, complete: t0 + 1000 + H, duration: H + 1000, realtime: H, exit: 137 }) },
      { ...base, event: 'process_completed', utcTime: at(t0 + 2 * H), trace: task(2, 2, 'COMPLETED', t0 + H + 2000, { start: t0 + H + 3000, complete: t0 + 2 * H + 3000, duration: H + 1000, realtime: H, exit: 0 }) },
    ], 1);
    const [{ id }] = await t.db.sql<{ id: string }[]>`select id from runs where org_id = ${o.org.id}`;
    // Nextflow's default trace fields: no attempt column
    const trace = [
      'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tduration\trealtime',
      '1\tab/10000\tjob-1\tALIGN (s1)\tFAILED\t137\t2024-03-01 10:00:00.000\t1h 1s\t1h',
      '2\tab/20000\tjob-2\tALIGN (s1)\tCOMPLETED\t0\t2024-03-01 11:00:02.000\t1h 1s\t1h',
    ].join('\n') + '\n';
    const res = await fetch(`${t.url}/import/trace?run=${id}&tz=UTC`, { method: 'POST', headers: { authorization: `Bearer ${o.analyst}` }, body: trace });
    assert.equal(res.status, 200, await res.clone().text());
    const report = (await res.json()) as { tasksCreated: number; tasksUpdated: number };
    assert.deepEqual([report.tasksCreated, report.tasksUpdated], [0, 2]);
    const got = await t.gql(`{ run(id: "${id}") { taskCount tasks(first: 10) { edges { node { taskId attempt status source cpus } } } } }`, {}, o.viewer);
    assert.equal(got.errors, undefined, JSON.stringify(got.errors));
    assert.equal(got.data!.run.taskCount, 2);
    assert.deepEqual(got.data!.run.tasks.edges.map((e: { node: unknown }) => e.node), [
      { taskId: 1, attempt: 1, status: 'FAILED', source: 'trace', cpus: 4 },
      { taskId: 2, attempt: 2, status: 'COMPLETED', source: 'trace', cpus: 4 },
    ]);
  });

  test('a registered run whose `started` is lost or late: process events, `completed`, then `started` end in the registered run, SUCCEEDED, with its tasks', async () => {
    const o = await createOrgWithKeys(t.db, 'wl-lost-started');
    await t.gql(`mutation { createProject(input: {code: "P1", name: "P1"}) { id } }`, {}, o.admin);
    const reg = await t.gql(`mutation { registerRun(input: {pipeline: "nf-core/demo", projectCode: "P1"}) { id } }`, {}, o.analyst);
    const R: string = reg.data!.registerRun.id;
    const S = '3c1f2c7e-0000-4000-8000-0000000000bb';
    const base = { runName: 'lost_started', runId: S };
    const t0 = Date.parse('2024-03-01T10:00:00Z');
    const at = (ms: number) => new Date(ms).toISOString();
    const wf = (extra: object = {}) => ({ parameters: { gct_run_id: R }, workflow: { runName: 'lost_started', sessionId: S, start: at(t0), manifest: { name: 'nf-core/demo' }, ...extra } });
    const task = (id: number, status: string, extra: object = {}) => ({ task_id: id, hash: `ab/${id}0000`, name: 'ALIGN (s1)', process: 'ALIGN', tag: 's1', attempt: 1, cpus: 4, memory: 16 * 1024 ** 3, status, submit: t0, ...extra });
    // task 1 is already in the registered run from a trace imported before the run was claimed
    const trace = 'task_id\thash\tname\tstatus\tsubmit\tduration\trealtime\n1\tab/10000\tALIGN (s1)\tCOMPLETED\t2024-03-01 10:00:00.000\t5s\t4s\n';
    const imported = await fetch(`${t.url}/import/trace?run=${R}&tz=UTC`, { method: 'POST', headers: { authorization: `Bearer ${o.analyst}` }, body: trace });
    assert.equal(imported.status, 200, await imported.text());
    await replay(t, o.analyst, [
      { ...base, event: 'process_submitted', utcTime: at(t0), trace: task(1, 'SUBMITTED') },
      { ...base, event: 'process_completed', utcTime: at(t0 + 5000), trace: task(1, 'COMPLETED', { start: t0 + 1000, complete: t0 + 5000, realtime: 4000, duration: 5000, exit: 0 }) },
      { ...base, event: 'process_completed', utcTime: at(t0 + 9000), trace: task(2, 'COMPLETED', { start: t0 + 6000, complete: t0 + 9000, realtime: 3000, duration: 4000, exit: 0 }) },
    ], 1);
    // what the captured run has gathered besides tasks (a live estimate) moves with it
    const [captured] = await t.db.sql<{ id: string }[]>`select id from runs where org_id = ${o.org.id} and session_id = ${S}`;
    assert.notEqual(captured.id, R);
    await t.db.sql`insert into estimates (org_id, run_id, kind, model_name, model_version, value, currency) values (${o.org.id}, ${captured.id}, 'LIVE', 'test', '1', 1.5, 'USD')`;
    await replay(t, o.analyst, [
      { ...base, event: 'completed', utcTime: at(t0 + 10_000), metadata: wf({ complete: at(t0 + 10_000), success: true }) },
      { ...base, event: 'started', utcTime: at(t0), metadata: wf() },
      { ...base, event: 'process_completed', utcTime: at(t0 + 9000), trace: task(2, 'COMPLETED', { start: t0 + 6000, complete: t0 + 9000, realtime: 3000, duration: 4000, exit: 0 }) },
    ], 1);
    const runs = await t.db.sql`select id, session_id, run_name, status, task_count, project_id is not null as has_project from runs where org_id = ${o.org.id}`;
    assert.deepEqual(runs.map((r) => ({ ...r })), [{ id: R, session_id: S, run_name: 'lost_started', status: 'SUCCEEDED', task_count: 2, has_project: true }]);
    const tasks = await t.db.sql`select task_id, status, source, cpus, realtime_ms::int as realtime from tasks where org_id = ${o.org.id} order by task_id`;
    assert.deepEqual(tasks.map((r) => ({ ...r })), [
      { task_id: 1, status: 'COMPLETED', source: 'trace', cpus: 4, realtime: 4000 },
      { task_id: 2, status: 'COMPLETED', source: 'weblog', cpus: 4, realtime: 3000 },
    ]);
    const live = await t.db.sql`select run_id from estimates where org_id = ${o.org.id} and model_name = 'test'`;
    assert.deepEqual(live.map((e) => e.run_id), [R]);
  });

  test('Nextflow 21.x: a started event whose workflow.start is a Java OffsetDateTime object is captured; an unreadable one is null with a warning', async () => {
    const o = await createOrgWithKeys(t.db, 'wl-odt');
    const S = '3c1f2c7e-0000-4000-8000-0000000000cc';
    const odt = { month: 'AUGUST', offset: { totalSeconds: 7200, id: '+02:00' }, second: 25, hour: 11, nano: 219341000, year: 2021, dayOfMonth: 25, minute: 35, monthValue: 8, dayOfWeek: 'WEDNESDAY', dayOfYear: 237 };
    const event = (start: unknown) => ({ runName: 'odt', runId: S, event: 'started', utcTime: '2021-08-25T09:35:25Z',
      metadata: { parameters: { project: 'P1' }, workflow: { runName: 'odt', sessionId: S, start, manifest: { name: 'nextflow-io/hello' }, commandLine: 'nextflow run hello -with-weblog' } } });
    const res = await post(t, JSON.stringify(event(odt)), { header: `Bearer ${o.analyst}` });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { warnings?: string[] }).warnings, undefined);
    const [run] = await t.db.sql`select to_char(started_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') as s, command_line, params, pipeline_id is not null as has_pipeline from runs where org_id = ${o.org.id}`;
    assert.deepEqual({ ...run }, { s: '2021-08-25 09:35:25', command_line: 'nextflow run hello -with-weblog', params: { project: 'P1' }, has_pipeline: true });

    const odd = await post(t, JSON.stringify({ ...event({ ...odt, monthValue: 13 }), runName: 'odt2' }), { header: `Bearer ${o.analyst}` });
    assert.equal(odd.status, 200);
    const answer = (await odd.json()) as { runId: string; warnings?: string[] };
    assert.match(answer.warnings?.[0] ?? '', /metadata\.workflow\.start/);
    const [second] = await t.db.sql`select started_at, command_line from runs where id = ${answer.runId}`;
    assert.deepEqual({ ...second }, { started_at: null, command_line: 'nextflow run hello -with-weblog' });
  });

  test('Nextflow credentials: Basic token and ?token= work; a VIEWER key and no key do not', async () => {
    const o = await createOrgWithKeys(t.db, 'wl-auth');
    const body = JSON.stringify(events[0]);
    assert.equal((await post(t, body, { header: `Basic ${Buffer.from(`nextflow:${o.analyst}`).toString('base64')}` })).status, 200);
    assert.equal((await post(t, body, { query: `?token=${encodeURIComponent(o.analyst)}` })).status, 200);
    assert.equal((await post(t, body, { header: `Bearer ${o.viewer}` })).status, 403);
    assert.equal((await post(t, body, {})).status, 401);
  });

  test('a trace value that does not fit its column, or holds a NUL, is dropped with a warning naming it: the event is kept (Nextflow does not retry)', async () => {
    const o = await createOrgWithKeys(t.db, 'wl-ranges');
    const auth = { header: `Bearer ${o.analyst}` };
    const event = (taskId: number, fields: Record<string, unknown>) =>
      JSON.stringify({ runId: '3c1f2c7e-0000-4000-8000-00000000aaaa', runName: 'ranges', event: 'process_completed', utcTime: '2026-11-30T10:00:00Z',
        trace: { task_id: taskId, status: 'COMPLETED', hash: `ab/${taskId}`, name: `x (s${taskId})`, process: 'x', submit: 1700000000000, realtime: 1000, ...fields } });
    const cases: [number, Record<string, unknown>, RegExp][] = [
      [1, { cpus: 3000000000 }, /trace\.cpus.*3000000000/],
      [2, { peak_rss: 1e30 }, /trace\.peak_rss/],
      [3, { exit: 99999999999 }, /trace\.exit/],
      [4, { name: 'x\u0000y' }, /trace\.name.*NUL/],
    ];
    for (const [taskId, fields, warning] of cases) {
      const res = await post(t, event(taskId, fields), auth);
      const body = (await res.json()) as { warnings?: string[] };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.match((body.warnings ?? []).join('\n'), warning);
    }
    const rows = await t.db.sql<{ task_id: number; status: string; cpus: number | null; peak_rss: string | null; exit_code: number | null; name: string | null; realtime_ms: string }[]>`
      select task_id, status, cpus, peak_rss, exit_code, name, realtime_ms from tasks where org_id = ${o.org.id} order by task_id`;
    assert.deepEqual(rows.map((r) => [r.task_id, r.status, Number(r.realtime_ms)]), [[1, 'COMPLETED', 1000], [2, 'COMPLETED', 1000], [3, 'COMPLETED', 1000], [4, 'COMPLETED', 1000]]);
    assert.equal(rows[0].cpus, null);
    assert.equal(rows[1].peak_rss, null);
    assert.equal(rows[2].exit_code, null);
    assert.equal(rows[3].name, null);
    // the task's key and the envelope cannot be dropped: 400 naming them, never a 500
    for (const [body, field] of [
      [event(2147483648, {}), /task_id/],
      [JSON.stringify({ ...JSON.parse(event(5, {})), runName: 'r\u0000' }), /runName.*NUL/],
    ] as const) {
      const res = await post(t, body, auth);
      assert.equal(res.status, 400, body);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, field);
    }
  });

  test("a NUL in the run's metadata is not a lost event: messages kept with ␀, a name left out, each with a warning", async () => {
    const o = await createOrgWithKeys(t.db, 'wl-nul-metadata');
    const S = '3c1f2c7e-0000-4000-8000-00000000bbbb';
    const event = (kind: 'started' | 'completed', workflow: Record<string, unknown>) => JSON.stringify({
      runName: 'nul_meta', runId: S, event: kind, utcTime: '2026-11-30T10:00:00Z',
      metadata: { parameters: { sample_sheet: 's.csv' }, workflow: { runName: 'nul_meta', sessionId: S, start: '2026-11-30T09:00:00Z', projectName: 'nf-core/sarek', ...workflow } },
    });
    const answers: string[] = [];
    for (const body of [
      event('started', { commandLine: 'nextflow run nf-core/sarek --note a\u0000b', manifest: { name: 'nf-core/sarek\u0000', version: '3.4.0' } }),
      event('completed', { complete: '2026-11-30T10:00:00Z', success: false, errorMessage: 'Process `BWA (s1)` terminated: \u0000 in stderr', manifest: { name: 'nf-core/sarek', version: '3.4.0' } }),
    ]) {
      const res = await post(t, body, { header: `Bearer ${o.analyst}` });
      const answer = (await res.json()) as { warnings?: string[] };
      assert.equal(res.status, 200, JSON.stringify(answer));
      answers.push((answer.warnings ?? []).join('\n'));
    }
    assert.match(answers[0], /metadata\.workflow\.commandLine.*NUL/);
    assert.match(answers[0], /metadata\.workflow\.manifest\.name.*NUL.*left out/);
    assert.match(answers[1], /metadata\.workflow\.errorMessage.*NUL/);
    const [run] = await t.db.sql`
      select r.status, r.started_at is not null as started, r.params, r.command_line, r.error_message, p.name as pipeline, p.revision
      from runs r left join pipelines p on p.org_id = r.org_id and p.id = r.pipeline_id where r.org_id = ${o.org.id}`;
    assert.deepEqual({ ...run }, {
      status: 'FAILED', started: true, params: { sample_sheet: 's.csv' },
      command_line: 'nextflow run nf-core/sarek --note a\u2400b', error_message: 'Process `BWA (s1)` terminated: \u2400 in stderr',
      // the manifest name holding a NUL is left out: projectName answers, not a pipeline named `nf-core/sarek␀`
      pipeline: 'nf-core/sarek', revision: '3.4.0',
    });
  });

  test('a parameter that cannot be stored (a lone surrogate, nesting 20,000 deep) is left out with a warning: the run and its other params are kept', async () => {
    // params were checked for NUL only: a lone surrogate failed the jsonb write of the whole event (500), and
    // 20,000 levels overflowed the check's recursion (500); Nextflow does not retry, so the run was lost
    const o = await createOrgWithKeys(t.db, 'wl-unstorable-params');
    const S = '3c1f2c7e-0000-4000-8000-00000000cccc';
    const body = JSON.stringify({
      runName: 'odd_params', runId: S, event: 'started', utcTime: '2026-11-30T10:00:00Z',
      metadata: { parameters: { sample_sheet: 's.csv', note: 'half \ud800 pair', deep: 'DEEP' }, workflow: { runName: 'odd_params', sessionId: S, start: '2026-11-30T09:00:00Z', projectName: 'nf-core/sarek' } },
    }).replace('"DEEP"', `${'{"a":'.repeat(20_000)}"x"${'}'.repeat(20_000)}`); // JSON.stringify itself would overflow
    const res = await post(t, body, { header: `Bearer ${o.analyst}` });
    const answer = (await res.json()) as { warnings?: string[] };
    assert.equal(res.status, 200, JSON.stringify(answer).slice(0, 500));
    const warnings = (answer.warnings ?? []).join('\n');
    assert.match(warnings, /metadata\.parameters\.note.*unpaired surrogate.*left out/);
    assert.match(warnings, /metadata\.parameters\.deep(\.a)+.*deeper than 64 levels.*left out/);
    const [run] = await t.db.sql`select params from runs where org_id = ${o.org.id}`;
    assert.deepEqual(run.params, { sample_sheet: 's.csv' });
  });

  test('garbage answers a clear error and leaves stored runs untouched', async () => {
    const o = await createOrgWithKeys(t.db, 'wl-garbage');
    await replay(t, o.analyst, events.slice(0, 30));
    const before = await snapshot(t, o.org.id);
    const auth = { header: `Bearer ${o.analyst}` };
    const cases: [string, number, RegExp][] = [
      ['{"runName": "x", "runId": ', 400, /not valid JSON|JSON/],
      ['{}', 400, /event|runId|runName/],
      ['{"runName":"x","runId":"y","event":"nope","utcTime":"2020-01-01T00:00:00Z"}', 400, /event/],
      ['[1,2,3]', 400, /object|event/],
      [JSON.stringify({ ...events[5], trace: { ...(events[5].trace as object), task_id: 'abc' } }), 400, /task_id/],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(t, body, auth);
      assert.equal(res.status, status, body);
      const err = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(err.error.code, 'BAD_USER_INPUT');
      assert.match(err.error.message, message);
    }
    const huge = await post(t, `{"runName":"${'x'.repeat(50 * 1024 * 1024)}"}`, auth).catch((e: Error) => e);
    if (!(huge instanceof Error)) assert.equal(huge.status, 413);
    assert.deepEqual(await snapshot(t, o.org.id), before);
  });
});
