/**
 * Workflow capture speed: the largest shipped trace imported over HTTP, and the same run replayed as weblog
 * events against the running server on loopback. Baselines in the same run: a raw multi-row INSERT of the
 * same task rows into a bare table (the database floor for the import), and GET /healthz (the HTTP floor
 * for an event).   node dist/bench/capture.js [--repeat N]
 */
// before anything loads graphql-js: the server as it runs (see src/production-mode)
import '../src/production-mode.js';
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../test/support/fixtures.js';
import { weblogEventsFromTrace } from '../test/support/weblog-from-trace.js';
import { getTableColumns } from 'drizzle-orm';
import { tasks as tasksTable } from '../src/db/schema/index.js';
import { openTrace } from '../src/ingest/nextflow/index.js';
import { toTaskInsert } from '../src/services/capture/task-upsert.js';
import { Readable } from 'node:stream';
import type postgres from 'postgres';
import { fmt, percentile, startBenchApp } from './support.js';

const at = process.argv.indexOf('--repeat');
const repeat = at > 0 ? Number(process.argv[at + 1]) : 3;
const file = fixturePath('nextflow-traces', 'openproblems', 'execution_trace_2022-05-15.txt');
const body = readFileSync(file);

const env = await startBenchApp();
const sql = env.app.database.sql;
try {
  // 1. our trace import over HTTP, fresh run each time
  const importMs: number[] = [];
  let tasks = 0;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    const res = await fetch(`${env.url}/import/trace?fileName=bench`, { method: 'POST', headers: { authorization: `Bearer ${env.analystKey}` }, body });
    const report = (await res.json()) as { tasksCreated: number };
    importMs.push(performance.now() - t0);
    tasks = report.tasksCreated;
  }

  // 1b. steady state: the same trace 50 times over (task ids shifted), 68,400 tasks in one import
  const lines = body.toString('utf8').split('\n').filter(Boolean);
  const copies = 50;
  const bigBody = [lines[0], ...Array.from({ length: copies }, (_, c) => lines.slice(1).map((l) => l.replace(/^(\d+)/, (id) => String(Number(id) + c * 100_000))))].flat().join('\n') + '\n';
  const b0 = performance.now();
  const bigReport = (await (await fetch(`${env.url}/import/trace?fileName=bench-big`, { method: 'POST', headers: { authorization: `Bearer ${env.analystKey}` }, body: bigBody })).json()) as { tasksCreated: number };
  const bigMs = performance.now() - b0;

  // 2. baselines: the same parsed rows, one multi-row INSERT per 1,000 into bare tables (no keys, no indexes):
  //    a few columns, and every column the import writes (the fair floor: same row width)
  const { rows } = await openTrace(Readable.from(body));
  const parsed: Record<string, unknown>[] = [];
  const full: Record<string, unknown>[] = [];
  const columnName = Object.fromEntries(Object.entries(getTableColumns(tasksTable)).map(([key, column]) => [key, column.name]));
  const [{ org_id: orgId, id: runId }] = await sql`select org_id, id from runs limit 1`;
  for await (const item of rows) {
    if (item.kind !== 'task') continue;
    parsed.push({ task_id: item.record.taskId, hash: item.record.hash, name: item.record.name, status: item.record.status, realtime_ms: item.record.realtimeMs, pcpu: item.record.pcpu, peak_rss: item.record.peakRss });
    const insert = toTaskInsert(orgId, runId, item.record, 'trace', /^([^\s:]+)/) as Record<string, unknown>;
    full.push({ id: full.length + 1, ...Object.fromEntries(Object.entries(insert).map(([k, v]) => [columnName[k], v instanceof Date ? v.toISOString() : (v ?? null)])) });
  }
  await sql`create table bench_bare_tasks (task_id int, hash text, name text, status text, realtime_ms bigint, pcpu float8, peak_rss bigint)`;
  await sql`create table bench_bare_full_tasks (like tasks including defaults)`;
  const rawMs: number[] = [];
  const fullMs: number[] = [];
  for (let i = 0; i < repeat; i++) {
    await sql`truncate bench_bare_tasks, bench_bare_full_tasks`;
    let t0 = performance.now();
    for (let j = 0; j < parsed.length; j += 1000) await sql`insert into bench_bare_tasks ${sql(parsed.slice(j, j + 1000))}`;
    rawMs.push(performance.now() - t0);
    t0 = performance.now();
    for (let j = 0; j < full.length; j += 1000) await sql`insert into bench_bare_full_tasks ${sql(full.slice(j, j + 1000) as Record<string, postgres.ParameterOrJSON<never>>[])}`;
    fullMs.push(performance.now() - t0);
  }

  // 3. weblog replay: every event of the run, 8 in flight, each timed from send to answer
  const events = weblogEventsFromTrace(file, '6f1e0c1a-0000-4000-8000-0000000be7c4', 'bench_run');
  const latencies: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += 8) {
    await Promise.all(
      events.slice(i, i + 8).map(async (e) => {
        const s = performance.now();
        const res = await fetch(`${env.url}/nextflow/weblog`, { method: 'POST', headers: { authorization: `Bearer ${env.analystKey}`, 'content-type': 'application/json' }, body: JSON.stringify(e) });
        await res.arrayBuffer();
        latencies.push(performance.now() - s);
      }),
    );
  }
  const replayMs = performance.now() - t0;
  const healthz: number[] = [];
  for (let i = 0; i < 500; i++) {
    const s = performance.now();
    await (await fetch(`${env.url}/healthz`)).arrayBuffer();
    healthz.push(performance.now() - s);
  }
  latencies.sort((a, b) => a - b);
  healthz.sort((a, b) => a - b);

  const best = (xs: number[]) => Math.min(...xs);
  const completions = events.filter((e) => e.event === 'process_completed').length;
  console.log(`trace: ${file.split('/').pop()} (${tasks} tasks), best of ${repeat}`);
  console.log(`  trace import over HTTP     ${fmt(tasks / (best(importMs) / 1000), 0)} tasks/s  (${fmt(best(importMs))} ms)`);
  console.log(`  raw INSERT, bare table     ${fmt(parsed.length / (best(rawMs) / 1000), 0)} tasks/s  (${fmt(best(rawMs))} ms)`);
  console.log(`  raw INSERT, all columns    ${fmt(full.length / (best(fullMs) / 1000), 0)} tasks/s  (${fmt(best(fullMs))} ms)`);
  console.log(`  ratio import / raw         ${fmt(best(rawMs) / best(importMs), 2)} (7 columns)   ${fmt(best(fullMs) / best(importMs), 2)} (all columns)`);
  console.log(`  ${copies}× the trace, one import ${fmt(bigReport.tasksCreated / (bigMs / 1000), 0)} tasks/s  (${bigReport.tasksCreated} tasks, ${fmt(bigMs, 0)} ms)`);
  console.log(`weblog replay: ${events.length} events (${completions} tasks), 8 in flight`);
  console.log(`  tasks/s                    ${fmt(completions / (replayMs / 1000), 0)}   events/s ${fmt(events.length / (replayMs / 1000), 0)}`);
  console.log(`  event latency p50 / p99    ${fmt(percentile(latencies, 50), 2)} / ${fmt(percentile(latencies, 99), 2)} ms`);
  console.log(`  GET /healthz p50 / p99     ${fmt(percentile(healthz, 50), 2)} / ${fmt(percentile(healthz, 99), 2)} ms  (HTTP floor)`);
} finally {
  await env.close();
}
