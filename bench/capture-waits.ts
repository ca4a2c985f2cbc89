/**
 * The waits a long trace import still imposes on its run's capture: a 100,000-row trace is imported into a
 * run (in process, as the upload route does, so requests go out at known points of the import) while:
 * 1. the run's weblog re-sends tasks the import has already written: one `process_completed` every
 *    10,000 rows read, for a task of an earlier batch (9 events);
 * 2. a LIMS-registered run is claimed by its first `started` (gct_run_id param) at 20,000 rows read of an
 *    import into it (one claim per run: 3 rounds);
 * 3. a live re-price of the run is asked for (estimates.live, as a task completion asks) at 20,000 rows,
 *    then one of another, idle run every 20,000 rows: how long the worker is held by the importing run,
 *    and how late the other run's figures come.
 * Each request is timed from send to answer (1, 2) or to the LIVE estimate stored (3), and said to come
 * before or after the import committed. Baseline: the same requests with no import.
 *   node dist/bench/capture-waits.js [--rows 100000]
 */
import '../src/production-mode.js';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { loadConfig } from '../src/config.js';
import { requestLiveEstimate } from '../src/jobs/live-estimate.js';
import { importTrace } from '../src/services/capture/trace-import.js';
import { RunService } from '../src/services/runs.js';
import { fmt, percentile, startBenchApp } from './support.js';

const at = process.argv.indexOf('--rows');
const ROWS = at > 0 ? Number(process.argv[at + 1]) : 100_000;
const T0 = Date.parse('2025-06-02T10:00:00Z');
const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
const settings = loadConfig({}).capture;
let sessions = 0;
const newSession = () => `5e551011-0000-4000-8000-${String(0xca000 + ++sessions).padStart(12, '0')}`;

const env = await startBenchApp();
const { db, sql } = env.app.database;
try {
  await sql`insert into projects (org_id, code, name) values (${env.orgId}, 'BENCH', 'bench')`;
  const post = async (body: object) => {
    const s = performance.now();
    const res = await fetch(`${env.url}/nextflow/weblog`, { method: 'POST', headers: { authorization: `Bearer ${env.analystKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { runId: string };
    if (res.status !== 200 && res.status !== 202) throw new Error(`weblog ${res.status}: ${JSON.stringify(json)}`);
    return { ms: performance.now() - s, end: performance.now(), status: res.status, runId: json.runId };
  };
  const base = (session: string, event: string) => ({ runName: 'bench_run', runId: session, event, utcTime: new Date(T0).toISOString() });
  const started = (session: string, parameters: Record<string, unknown> = {}) => ({
    ...base(session, 'started'),
    metadata: { parameters, workflow: { runName: 'bench_run', sessionId: session, start: new Date(T0).toISOString(), manifest: { name: 'nf-core/bench' } } },
  });
  const completedTask = (session: string, taskId: number) => ({
    ...base(session, 'process_completed'),
    trace: { task_id: taskId, hash: `wb/${taskId}`, name: `ALIGN (s${taskId})`, process: 'ALIGN', status: 'COMPLETED', submit: T0, start: T0 + 1000, complete: T0 + 61_000, duration: 61_000, realtime: 60_000, exit: 0, cpus: 2, memory: 4 * 1024 ** 3 },
  });

  const header = 'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tstart\tcomplete\tduration\trealtime\tcpus\tmemory\n';
  const row = (id: number) => `${id}\ttr/${id}\tnat-${id}\tALIGN (s${id % 500})\tCOMPLETED\t0\t${stamp(T0)}\t${stamp(T0 + 1000)}\t${stamp(T0 + 1000 + 1_800_000)}\t30m 1s\t30m\t2\t4 GB\n`;
  const chunks = function* () {
    yield header;
    for (let i = 1; i <= ROWS; i += 1000) yield Array.from({ length: Math.min(1000, ROWS - i + 1) }, (_, k) => row(i + k)).join('');
  };

  interface Sent { label: string; rows: number; done: Promise<{ ms: number; end: number; status?: number }> }
  /** Imports the trace into `runId`; `onRows` may start requests at every 10,000 rows read. */
  async function during(runId: string, onRows: (rows: number) => Omit<Sent, 'rows'> | null) {
    const sent: Sent[] = [];
    let last = 0;
    const t0 = performance.now();
    const report = await importTrace(db, env.orgId, Readable.from(chunks()), settings, {
      runId,
      timeZone: 'UTC',
      fileName: `bench-${runId}.txt`,
      onProgress: (rows) => {
        // called after every batch, and once more at the end
        const request = rows % 10_000 === 0 && rows > last ? onRows(rows) : null;
        last = rows;
        if (request) sent.push({ ...request, rows });
      },
    });
    const committed = performance.now();
    // as the upload route does after an import that changed tasks
    await requestLiveEstimate(sql, env.orgId, runId);
    const results = await Promise.all(sent.map(async (s) => {
      const { ms, end, status } = await s.done;
      return { label: s.label, rows: s.rows, ms, status, late: end - committed };
    }));
    return { rows: report.rowsRead, importMs: committed - t0, committed, results };
  }

  type Result = Awaited<ReturnType<typeof during>>['results'][number];
  const line = (r: Result) =>
    `  at ${String(r.rows).padStart(7)} rows  ${r.label.padEnd(34)} ${fmt(r.ms, 1).padStart(8)} ms  ${r.status ? `${r.status}  ` : ''}${r.late <= 0 ? 'before the import committed' : `${fmt(r.late, 0)} ms after the import committed`}`;
  const summary = (results: Result[]) => {
    const ms = results.map((r) => r.ms).sort((a, b) => a - b);
    return `  median ${fmt(percentile(ms, 50), 1)} ms, max ${fmt(ms.at(-1)!, 1)} ms; ${results.filter((r) => r.late > 0).length} of ${results.length} answered only after the commit`;
  };

  /** Resolves once the run has a LIVE estimate created after `since` (a wall-clock Date), timed from the call. */
  async function liveEstimateOf(runId: string, since: Date) {
    const s = performance.now();
    for (;;) {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from estimates where org_id = ${env.orgId} and run_id = ${runId} and kind = 'LIVE' and created_at > ${since.toISOString()}::timestamptz`;
      if (row.n > 0) return { ms: performance.now() - s, end: performance.now() };
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  const reprice = (runId: string) => {
    const since = new Date(Date.now() - 5);
    return requestLiveEstimate(sql, env.orgId, runId).then(() => liveEstimateOf(runId, since));
  };
  /** A captured run with `n` completed weblog tasks (ids from 10,000,001), so a re-price has work. */
  async function capturedRun(n: number) {
    const session = newSession();
    const { runId } = await post(started(session));
    for (let i = 1; i <= n; i++) await post(completedTask(session, 10_000_000 + i));
    return { session, runId };
  }

  console.log(`load average at start: ${loadavg().map((l) => fmt(l, 2)).join(' ')} (${ROWS.toLocaleString('en')}-row imports)`);

  // baselines: the same requests with no import
  const idleRun = await capturedRun(20);
  const idle: number[] = [];
  for (let i = 0; i < 10; i++) idle.push((await post(completedTask(idleRun.session, 10_000_001 + (i % 20)))).ms);
  idle.sort((a, b) => a - b);
  const idleClaims: number[] = [];
  for (let i = 0; i < 3; i++) {
    const registered = await new RunService(db, env.orgId, 100).register({ projectCode: 'BENCH', pipeline: 'nf-core/bench' });
    idleClaims.push((await post(started(newSession(), { [settings.runIdParam]: registered.id }))).ms);
  }
  idleClaims.sort((a, b) => a - b);
  const other = await capturedRun(100);
  const idleReprices: number[] = [];
  for (let i = 0; i < 3; i++) {
    idleReprices.push((await reprice(other.runId)).ms);
    await new Promise((r) => setTimeout(r, 1100));
  }
  idleReprices.sort((a, b) => a - b);
  console.log(`no import: re-sent task event median ${fmt(percentile(idle, 50), 1)} ms (max ${fmt(idle.at(-1)!, 1)}); first claim median ${fmt(percentile(idleClaims, 50), 1)} ms (max ${fmt(idleClaims.at(-1)!, 1)}); re-price request to LIVE stored median ${fmt(percentile(idleReprices, 50), 1)} ms (max ${fmt(idleReprices.at(-1)!, 1)})`);

  // 1. tasks the import has written, re-sent by the weblog
  const one = await capturedRun(0);
  const r1 = await during(one.runId, (rows) => (rows < ROWS ? { label: `process_completed (task ${rows - 500})`, done: post(completedTask(one.session, rows - 500)) } : null));
  console.log(`1. weblog events for tasks the import has written (import ${fmt(r1.importMs, 0)} ms)`);
  for (const r of r1.results) console.log(line(r));
  console.log(summary(r1.results));
  // events answered 202 are applied by a job once the import has ended
  const deferred = r1.results.filter((r) => r.status === 202).length;
  for (;;) {
    const [{ n }] = await sql<{ n: number }[]>`
      select count(*)::int as n from pgboss.job where name = 'capture.weblog-deferred' and data->>'runId' = ${one.runId} and state = 'completed'`.catch(() => [{ n: 0 }]);
    if (n >= deferred) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const [facts] = await sql<{ trace: number; n: number; task_count: number }[]>`
    select count(*) filter (where t.source = 'trace')::int as trace, count(*)::int as n, min(r.task_count) as task_count
    from tasks t join runs r on r.org_id = t.org_id and r.id = t.run_id where t.org_id = ${env.orgId} and t.run_id = ${one.runId}`;
  console.log(`  ${deferred} answered 202 (queued), all applied ${fmt(performance.now() - r1.committed, 0)} ms after the import committed; the run: ${facts.n} tasks (${facts.trace} the trace's), task count ${facts.task_count}`);

  // 2. the first claim of a registered run an import is writing into
  const claims: Result[] = [];
  const importMs: number[] = [];
  for (let round = 0; round < 3; round++) {
    const registered = await new RunService(db, env.orgId, 100).register({ projectCode: 'BENCH', pipeline: 'nf-core/bench' });
    const session = newSession();
    const r = await during(registered.id, (rows) => (rows === 20_000 ? { label: 'started (first claim)', done: post(started(session, { [settings.runIdParam]: registered.id })) } : null));
    claims.push(...r.results);
    importMs.push(r.importMs);
  }
  console.log(`2. first claim of a registered run during an import into it (imports ${importMs.map((m) => fmt(m, 0)).join(', ')} ms)`);
  for (const r of claims) console.log(line(r));
  console.log(summary(claims));

  // 3. live re-prices: the importing run's, then another run's every 20,000 rows
  const three = await capturedRun(100);
  const r3 = await during(three.runId, (rows) => {
    if (rows % 20_000 !== 0) return null;
    if (rows === 20_000) {
      // the importing run's job first, so the worker has it when the other run's arrive
      const mine = reprice(three.runId);
      return { label: 're-price of the importing run', done: mine };
    }
    return { label: 're-price of another run', done: reprice(other.runId) };
  });
  const held = await sql<{ ms: number }[]>`
    select extract(epoch from completed_on - started_on)::float8 * 1000 as ms from pgboss.job
    where name = 'estimates.live' and data->>'runId' = ${three.runId} and started_on is not null and completed_on is not null order by created_on`;
  console.log(`3. live re-price requests during the import (import ${fmt(r3.importMs, 0)} ms): time to the LIVE estimate stored`);
  for (const r of r3.results) console.log(line(r));
  console.log(summary(r3.results.filter((r) => r.label === 're-price of another run')).replace('answered', 'stored') + ' (other run)');
  console.log(`  the importing run's jobs held the worker: ${held.map((h) => fmt(h.ms, 0)).join(', ')} ms`);
} finally {
  await env.close();
}
