import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { naiveMs, splitTsv, TRACE_FILES, traceFixture } from '../../ingest/nextflow/helpers.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../../support/app.js';
import { rowHash } from '../../support/row-hash.js';
import { PoolService } from '../../../src/services/pools.js';
import { reconcile } from '../../../src/services/reconcile.js';

const upload = (t: TestApp, key: string, body: Buffer | string, query = '') =>
  fetch(`${t.url}/import/trace?${query}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' }, body });

/** Per-process task count, status counts and realtime, counted from the raw file with string splitting. */
function independentCounts(text: string) {
  const { header, rows } = splitTsv(text);
  const at = (r: string[], c: string) => r[header.indexOf(c)];
  const byProcess = new Map<string, { tasks: number; realtimeMs: number }>();
  const byStatus = new Map<string, number>();
  for (const r of rows) {
    const process = at(r, 'name').replace(/ \(.*\)$/, '');
    const p = byProcess.get(process) ?? { tasks: 0, realtimeMs: 0 };
    p.tasks++;
    if (at(r, 'realtime') !== '-') p.realtimeMs += naiveMs(at(r, 'realtime'));
    byProcess.set(process, p);
    byStatus.set(at(r, 'status'), (byStatus.get(at(r, 'status')) ?? 0) + 1);
  }
  return { rows: rows.length, byProcess, byStatus };
}

describe('trace import', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  before(async () => {
    t = await startTestApp();
    keys = await createOrgWithKeys(t.db, 'trace-org');
    await t.gql(`mutation { createProject(input: {code: "OP", name: "openproblems"}) { id } }`, {}, keys.admin);
  });
  after(() => t.close());

  for (const file of TRACE_FILES) {
    test(`${file}: tasks, statuses and realtime per process match the file`, async () => {
      const expected = independentCounts(traceFixture(file));
      const res = await upload(t, keys.analyst, traceFixture(file), `project=OP&fileName=${file}`);
      assert.equal(res.status, 200, await res.clone().text());
      const report = (await res.json()) as { runId: string; rowsRead: number; tasksCreated: number; rejectedCount: number };
      assert.equal(report.rowsRead, expected.rows);
      assert.equal(report.tasksCreated, expected.rows);
      assert.equal(report.rejectedCount, 0);

      const perProcess = await t.db.sql<{ process: string; n: number; realtime: string }[]>`
        select process, count(*)::int as n, coalesce(sum(realtime_ms), 0)::text as realtime from tasks where run_id = ${report.runId} group by process`;
      assert.equal(perProcess.length, expected.byProcess.size);
      for (const row of perProcess) {
        const want = expected.byProcess.get(row.process);
        assert.ok(want, `unexpected process ${row.process}`);
        assert.equal(row.n, want.tasks, row.process);
        assert.equal(Number(row.realtime), want.realtimeMs, row.process);
      }
      const perStatus = await t.db.sql<{ status: string; n: number }[]>`select status, count(*)::int as n from tasks where run_id = ${report.runId} group by status`;
      assert.deepEqual(new Map(perStatus.map((r) => [r.status, r.n])), expected.byStatus);

      // the same through GraphQL: processes summary, run tied to the project, settled as SUCCEEDED
      const gql = await t.gql(`{ run(id: "${report.runId}") { status taskCount project { code } processes { name tasks realtimeHours } } }`, {}, keys.viewer);
      const run = gql.data!.run;
      assert.equal(run.taskCount, expected.rows);
      assert.equal(run.project.code, 'OP');
      assert.equal(run.status, 'SUCCEEDED');
      const totalHours = run.processes.reduce((s: number, p: { realtimeHours: number }) => s + p.realtimeHours, 0);
      const wantHours = [...expected.byProcess.values()].reduce((s, p) => s + p.realtimeMs, 0) / 3.6e6;
      assert.ok(Math.abs(totalHours - wantHours) < 1e-6);

      // importing the same file into the same run again changes nothing
      const again = (await (await upload(t, keys.analyst, traceFixture(file), `run=${report.runId}`)).json()) as { tasksCreated: number };
      assert.equal(again.tasksCreated, 0);
      const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from tasks where run_id = ${report.runId}`;
      assert.equal(n, expected.rows);
    });
  }

  test('a -resume run: CACHED tasks repeat the original run figures and count in no hours this run used', async () => {
    const text = [
      'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tstart\tcomplete\tduration\trealtime\tcpus',
      '1\tab/111111\tjob-1\tALIGN (s1)\tCACHED\t0\t2024-03-01 10:00:00.000\t2024-03-01 10:00:01.000\t2024-03-01 12:00:01.000\t2h 1s\t2h\t4',
      '2\tcd/222222\tjob-2\tALIGN (s2)\tCOMPLETED\t0\t2024-03-05 09:00:00.000\t2024-03-05 09:00:01.000\t2024-03-05 10:00:01.000\t1h 1s\t1h\t4',
    ].join('\n') + '\n';
    const report = (await (await upload(t, keys.analyst, text, 'tz=UTC&runName=resumed')).json()) as { runId: string };
    const got = await t.gql(`{ run(id: "${report.runId}") { processes { name tasks completed cached cpuHours realtimeHours } samples { sample tasks cpuHours realtimeHours } } }`, {}, keys.viewer);
    assert.equal(got.errors, undefined, JSON.stringify(got.errors));
    assert.deepEqual(got.data!.run.processes, [{ name: 'ALIGN', tasks: 2, completed: 1, cached: 1, cpuHours: 4, realtimeHours: 1 }]);
    assert.deepEqual(got.data!.run.samples, [
      { sample: 's1', tasks: 1, cpuHours: 0, realtimeHours: 0 },
      { sample: 's2', tasks: 1, cpuHours: 4, realtimeHours: 1 },
    ]);
  });

  test("a trace with Nextflow's default times (submit, duration, realtime; no start or complete): start and end are derived, and reconciliation allocates the task", async () => {
    const o = await createOrgWithKeys(t.db, 'trace-nostart');
    const resource = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/genomics/providers/Microsoft.Batch/batchAccounts/labbatch/pools/nf-d4';
    await new PoolService(t.db.db, o.org.id).declare({ name: 'nf-d4', region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED', resourceId: resource });
    const text = 'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tduration\trealtime\tcpus\tqueue\n' +
      '1\tab/cdef12\tnat-1\tALIGN (S1)\tCOMPLETED\t0\t2025-06-02 10:00:00.000\t1h 10m\t1h\t4\tnf-d4\n';
    const report = (await (await upload(t, o.analyst, text, 'tz=UTC')).json()) as { runId: string };
    const utc = (column: string) => t.db.sql.unsafe(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD HH24:MI')`);
    const [task] = await t.db.sql`select ${utc('started_at')} as s, ${utc('completed_at')} as e from tasks where run_id = ${report.runId}`;
    assert.deepEqual([task.s, task.e], ['2025-06-02 10:10', '2025-06-02 11:10']);
    const [run] = await t.db.sql`select status, ${utc('completed_at')} as e from runs where id = ${report.runId}`;
    assert.deepEqual([run.status, run.e], ['SUCCEEDED', '2025-06-02 11:10']);

    await t.db.sql`select cost_records_ensure_partitions('2025-06-02', '2025-06-03')`;
    await t.db.sql`
      insert into cost_records (org_id, provider, resource_id, service_name, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
      values (${o.org.id}, 'azure', ${resource.toLowerCase()}, 'Azure Batch', '2025-06-02T10:00:00Z', '2025-06-02T11:00:00Z', 0.24, 'USD', 1, '1 Hour', 'file', ${rowHash('nostart-10')})`;
    const done = await reconcile(t.db.db, o.org.id, { from: new Date('2025-06-02T00:00:00Z'), to: new Date('2025-06-03T00:00:00Z') }, { idleMode: 'SEPARATE', driftThreshold: 0.2, trigger: 'test' });
    assert.equal(done.status, 'SUCCEEDED');
    const byKind = await t.db.sql`select kind::text, sum(amount)::float8 as amount from allocations where org_id = ${o.org.id} group by 1 order by 1`;
    // the task held the node 10:10–11:00 of the billed hour
    assert.deepEqual(byKind.map((r) => [r.kind, Math.round(r.amount * 1e6) / 1e6]), [['IDLE', 0.04], ['TASK', 0.2]]);
  });

  test('the same file twice without a run goes to the run it made the first time: the organization counts its tasks once', async () => {
    const org = await createOrgWithKeys(t.db, 'trace-twice');
    const file = TRACE_FILES[0];
    const tasksOf = async () => (await t.db.sql<{ n: number }[]>`select count(*)::int as n from tasks where org_id = ${org.org.id}`)[0].n;
    const first = (await (await upload(t, org.analyst, traceFixture(file), `fileName=${file}`)).json()) as { runId: string; importId: string; tasksCreated: number };
    const tasks = await tasksOf();
    assert.equal(tasks, first.tasksCreated);
    const again = await upload(t, org.analyst, traceFixture(file), `fileName=${file}`);
    assert.equal(again.status, 200);
    const second = (await again.json()) as { runId: string; importId: string; tasksCreated: number; tasksUnchanged: number; repeatOf?: string };
    assert.equal(second.runId, first.runId);
    assert.equal(second.repeatOf, first.importId);
    assert.deepEqual([second.tasksCreated, second.tasksUnchanged], [0, tasks]);
    assert.equal(await tasksOf(), tasks);
    const runs = await t.db.sql<{ n: number }[]>`select count(*)::int as n from runs where org_id = ${org.org.id}`;
    assert.equal(runs[0].n, 1);
    // another file (one line less) is another run
    const shorter = traceFixture(file).split('\n').slice(0, -2).join('\n') + '\n';
    const other = (await (await upload(t, org.analyst, shorter, 'fileName=part')).json()) as { runId: string };
    assert.notEqual(other.runId, first.runId);
  });

  test('bad lines are rejected with their line numbers and kept; good lines load', async () => {
    const text = 'task_id\thash\tname\tstatus\trealtime\t%cpu\n1\taa/1\tA (s1)\tCOMPLETED\t1s\t90%\n2\taa/2\tA (s2)\tCOMPLETED\t2s\tabc\n3\taa/3\tB (s1)\tCOMPLETED\t3s\n';
    const report = (await (await upload(t, keys.analyst, text)).json()) as { importId: string; tasksCreated: number; rejected: { line: number; reason: string }[] };
    assert.equal(report.tasksCreated, 1);
    assert.deepEqual(report.rejected.map((r) => r.line), [3, 4]);
    assert.match(report.rejected[0].reason, /%cpu/);
    const kept = await t.db.sql<{ line: number; raw: string }[]>`select line, raw from import_rejects where import_id = ${report.importId} order by line`;
    assert.deepEqual(kept.map((r) => r.line), [3, 4]);
    assert.match(kept[0].raw, /abc/);
  });

  test('a line whose number does not fit its column, or with a NUL character, is rejected with its line number; the good lines load', async () => {
    const header = 'task_id\thash\tname\tstatus\texit\tcpus\tpeak_rss\trealtime\n';
    const good = [1, 2, 3].map((i) => `${i}\taa/${i}\tA (s${i})\tCOMPLETED\t0\t2\t1 GB\t${i}s\n`).join('');
    const bad = [
      '4\taa/4\tA (s4)\tCOMPLETED\t99999999999\t2\t1 GB\t4s\n', // exit_code is an int4
      '5\taa/5\tA (s5)\tCOMPLETED\t0\t3000000000\t1 GB\t5s\n', // so is cpus
      '6\taa/6\tA (s6)\tCOMPLETED\t0\t2\t1000000000000000000000000000000\t6s\n', // peak_rss: past bigint
      '7\taa/7\tA (s7)\tCOMPLETED\t0\t2\t9000000 EB\t7s\n',
      '8\taa/8\tA\u0000 (s8)\tCOMPLETED\t0\t2\t1 GB\t8s\n',
    ].join('');
    const res = await upload(t, keys.analyst, header + good + bad, 'fileName=ranges.txt');
    assert.equal(res.status, 200, await res.clone().text());
    const report = (await res.json()) as { importId: string; runId: string; tasksCreated: number; rejected: { line: number; reason: string }[] };
    assert.equal(report.tasksCreated, 3);
    assert.deepEqual(report.rejected.map((r) => r.line), [5, 6, 7, 8, 9]);
    assert.match(report.rejected[0].reason, /exit.*99999999999.*2147483647/);
    assert.match(report.rejected[1].reason, /cpus.*3000000000/);
    assert.match(report.rejected[2].reason, /peak_rss/);
    assert.match(report.rejected[3].reason, /peak_rss/);
    assert.match(report.rejected[4].reason, /name.*NUL/);
    const tasks = await t.db.sql<{ task_id: number }[]>`select task_id from tasks where run_id = ${report.runId} order by task_id`;
    assert.deepEqual(tasks.map((r) => r.task_id), [1, 2, 3]);
    const kept = await t.db.sql<{ line: number; raw: string }[]>`select line, raw from import_rejects where import_id = ${report.importId} order by line`;
    assert.deepEqual(kept.map((r) => r.line), [5, 6, 7, 8, 9]);
    assert.ok(kept[0].raw.includes('99999999999'), 'the rejected line is kept as read');
  });

  test('a file that is not a trace is refused with a clear error and writes nothing', async () => {
    const before = await t.db.sql`select (select count(*) from runs)::int as runs, (select count(*) from tasks)::int as tasks, (select count(*) from imports where status = 'SUCCEEDED')::int as imports`;
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    for (const body of [binary, 'name,amount\nfoo,1\n', '']) {
      const res = await upload(t, keys.analyst, body);
      assert.equal(res.status, 400);
      const err = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(err.error.code, 'BAD_USER_INPUT');
      assert.match(err.error.message, /trace/);
    }
    const after = await t.db.sql`select (select count(*) from runs)::int as runs, (select count(*) from tasks)::int as tasks, (select count(*) from imports where status = 'SUCCEEDED')::int as imports`;
    assert.deepEqual(after, before);
  });

  test('a VIEWER may not import; another organization may not import into this run', async () => {
    const res = await upload(t, keys.viewer, traceFixture(TRACE_FILES[0]));
    assert.equal(res.status, 403);
    const other = await createOrgWithKeys(t.db, 'trace-other');
    const [{ id }] = await t.db.sql<{ id: string }[]>`select id from runs where org_id = ${keys.org.id} limit 1`;
    const foreign = await upload(t, other.analyst, traceFixture(TRACE_FILES[0]), `run=${id}`);
    assert.equal(foreign.status, 404);
  });
});
