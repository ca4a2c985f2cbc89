/**
 * How long a weblog event waits while a trace of the same run is imported. A run announced by `started`
 * gets a 100,000-row trace imported into it (in process, as the upload route does, so the events can be
 * sent at known points of the import); at every 10,000 rows read one event is posted to the running
 * server over loopback and timed from send to answer: a new task (`process_submitted`), and at 50,000
 * rows the workflow's `completed`. A second import into another run gets one event naming a task it has
 * already written: that one is answered 202 and applied after the import (bench/capture-waits.ts measures
 * more of those). Baseline: the same events with no import.
 *   node dist/bench/weblog-during-import.js [--rows 100000]
 */
import '../src/production-mode.js';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { loadConfig } from '../src/config.js';
import { importTrace } from '../src/services/capture/trace-import.js';
import { fmt, percentile, startBenchApp } from './support.js';

const at = process.argv.indexOf('--rows');
const ROWS = at > 0 ? Number(process.argv[at + 1]) : 100_000;
const SESSION = '5e551011-0000-4000-8000-00000000be7c';
const T0 = Date.parse('2025-06-02T10:00:00Z');
const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

const env = await startBenchApp();
try {
  const post = async (body: object) => {
    const s = performance.now();
    const res = await fetch(`${env.url}/nextflow/weblog`, { method: 'POST', headers: { authorization: `Bearer ${env.analystKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { runId: string };
    if (res.status !== 200 && res.status !== 202) throw new Error(`weblog ${res.status}: ${JSON.stringify(json)}`);
    return { ms: performance.now() - s, end: performance.now(), runId: json.runId };
  };
  const base = (session: string, event: string) => ({ runName: 'bench_run', runId: session, event, utcTime: new Date(T0).toISOString() });
  const workflow = (session: string, event: 'started' | 'completed') => ({
    ...base(session, event),
    metadata: { parameters: {}, workflow: { runName: 'bench_run', sessionId: session, start: new Date(T0).toISOString(), ...(event === 'completed' ? { complete: new Date(T0 + 7_200_000).toISOString(), success: true } : {}) } },
  });
  const submitted = (session: string, taskId: number) => ({
    ...base(session, 'process_submitted'),
    trace: { task_id: taskId, hash: `wb/${taskId}`, name: `ALIGN (s${taskId})`, process: 'ALIGN', status: 'SUBMITTED', submit: T0, cpus: 2, memory: 4 * 1024 ** 3 },
  });

  const header = 'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tstart\tcomplete\tduration\trealtime\tcpus\tmemory\n';
  const row = (id: number) => `${id}\ttr/${id}\tnat-${id}\tALIGN (s${id % 500})\tCOMPLETED\t0\t${stamp(T0)}\t${stamp(T0 + 1000)}\t${stamp(T0 + 1000 + 1_800_000)}\t30m 1s\t30m\t2\t4 GB\n`;
  const chunks = function* () {
    yield header;
    for (let i = 1; i <= ROWS; i += 1000) yield Array.from({ length: Math.min(1000, ROWS - i + 1) }, (_, k) => row(i + k)).join('');
  };

  /** Imports the trace into a new run of `session`; `onRows` may post events at every 10,000 rows read. */
  async function during(session: string, onRows: (rows: number) => { label: string; body: object } | null) {
    const { runId } = await post(workflow(session, 'started'));
    const sent: { label: string; at: number; done: Promise<{ ms: number; end: number }> }[] = [];
    let last = 0;
    const t0 = performance.now();
    const report = await importTrace(env.app.database.db, env.orgId, Readable.from(chunks()), loadConfig({}).capture, {
      runId,
      timeZone: 'UTC',
      fileName: `bench-${session}.txt`,
      onProgress: (rows) => {
        // called after every batch, and once more at the end
        const event = rows % 10_000 === 0 && rows > last ? onRows(rows) : null;
        last = rows;
        if (event) sent.push({ label: event.label, at: rows, done: post(event.body) });
      },
    });
    const committed = performance.now();
    const results = await Promise.all(sent.map(async (s) => {
      const { ms, end } = await s.done;
      return { label: s.label, at: s.at, ms, late: end - committed };
    }));
    return { rows: report.rowsRead, importMs: committed - t0, results };
  }

  // baseline: the same kinds of event with nothing else going on
  const idleSession = '5e551011-0000-4000-8000-00000000be70';
  await post(workflow(idleSession, 'started'));
  const idle: number[] = [];
  for (let i = 0; i < 20; i++) idle.push((await post(submitted(idleSession, 10_000_000 + i))).ms);
  idle.push((await post(workflow(idleSession, 'completed'))).ms);
  idle.sort((a, b) => a - b);

  // 1. events for tasks the trace lacks, and the workflow's end
  const s1 = '5e551011-0000-4000-8000-00000000be71';
  const other = await during(s1, (rows) =>
    rows === 50_000 ? { label: 'completed (workflow)', body: workflow(s1, 'completed') } : { label: 'process_submitted (new task)', body: submitted(s1, 20_000_000 + rows) });
  // 2. (its own import: the run's later events would queue behind it) an event for a task the import has written
  const s2 = '5e551011-0000-4000-8000-00000000be72';
  const same = await during(s2, (rows) => (rows === 20_000 ? { label: 'process_submitted (task 5: written)', body: submitted(s2, 5) } : null));

  const line = (r: { at: number; label: string; ms: number; late: number }) =>
    `  at ${String(r.at).padStart(7)} rows  ${r.label.padEnd(36)} ${fmt(r.ms, 1).padStart(8)} ms  ${r.late <= 0 ? 'answered before the import committed' : `answered ${fmt(r.late, 0)} ms after the import committed`}`;
  console.log(`weblog events posted while a ${other.rows.toLocaleString('en')}-row trace is imported into their run`);
  console.log(`  no import: event p50 / max      ${fmt(percentile(idle, 50), 1)} / ${fmt(idle.at(-1)!, 1)} ms`);
  console.log(`1. events for other tasks (import ${fmt(other.importMs, 0)} ms)`);
  for (const r of other.results) console.log(line(r));
  const waits = other.results.map((r) => r.ms).sort((a, b) => a - b);
  console.log(`  p50 ${fmt(percentile(waits, 50), 1)} ms, max ${fmt(waits.at(-1)!, 1)} ms; ${other.results.filter((r) => r.late > 0).length} of ${other.results.length} answered only after the commit`);
  console.log(`2. an event for a task the import has written (import ${fmt(same.importMs, 0)} ms): queued (202), applied after the commit`);
  for (const r of same.results) console.log(line(r));
} finally {
  await env.close();
}
