/**
 * Accuracy of the estimation models on the three real openproblems traces
 * (fixtures/nextflow-traces/openproblems). No database.
 *
 *   node dist/bench/models-accuracy.js
 *
 * Per workflow: train on the older 70 % of its tasks by submit time, score on the newer 30 %,
 * for runtime (`realtime`) and peak memory (`peak_rss`). Then one cross-run case (train on the
 * 2022-05-13 run, quote the 2022-05-15 run), and the time to estimate a 10,000-task run.
 *
 * These traces are Nextflow's default 14 columns: no cpus/memory requests, no input sizes, no
 * attempts. Features available before a task runs: process (from `name`), tag, and the task's
 * position in submit order; `group` = the tag's first `:` field (the openproblems task family,
 * e.g. `label_projection`). `rchar` (bytes read) stands in for input size in one row marked
 * ORACLE: it is measured while the task runs, so a real quote cannot have it.
 *
 * With `--db` it also times the services on a real Postgres (GCT_BENCH_PG_PORT or DATABASE_URL):
 * a quote (EstimationService.quote) from a champion trained on the three traces plus a 10,000-task
 * run built by cycling the largest trace's tasks, and the live re-price of that 10,000-task run
 * (first: every task priced; then steady state, after one more completion). Target: < 100 ms.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { openTrace, type TaskRecord } from '../src/ingest/nextflow/index.js';
import { backtest, evaluate, type BacktestResult } from '../src/models/backtest.js';
import { medianBaseline } from '../src/models/median-baseline.js';
import type { EstimationModel, ModelTarget, TrainingSample } from '../src/models/model.js';
import { regressionModel } from '../src/models/regression.js';
import { fixturePath } from '../test/support/fixtures.js';
import { fmt } from './support.js';

const DIR = fixturePath('nextflow-traces', 'openproblems');
const RUNS = ['execution_trace_2021-03-04.txt', 'execution_trace_2022-05-13.txt', 'execution_trace_2022-05-15.txt'];

interface Task {
  record: TaskRecord;
  position: number;
}

async function readTasks(file: string): Promise<{ tasks: Task[]; rejected: number; total: number }> {
  const trace = await openTrace(createReadStream(path.join(DIR, file)));
  const records: TaskRecord[] = [];
  let rejected = 0;
  for await (const item of trace.rows) {
    if (item.kind === 'task') records.push(item.record);
    else rejected++;
  }
  const ordered = records
    .filter((r) => r.submit !== null)
    .sort((a, b) => a.submit!.getTime() - b.submit!.getTime() || a.taskId - b.taskId);
  const tasks = ordered.map((record, position) => ({ record, position }))
    .filter((t) => t.record.status === 'COMPLETED' && t.record.process !== null);
  return { tasks, rejected, total: records.length };
}

const observed: Record<'runtimeMs' | 'peakRssBytes', (r: TaskRecord) => number | null> = {
  runtimeMs: (r) => r.realtimeMs,
  peakRssBytes: (r) => r.peakRss,
};

function samples(tasks: Task[], target: 'runtimeMs' | 'peakRssBytes', oracle = false): TrainingSample[] {
  const out: TrainingSample[] = [];
  for (const { record: r, position } of tasks) {
    const value = observed[target](r);
    if (value === null || !Number.isFinite(value)) continue;
    out.push({
      at: r.submit!.getTime(),
      value,
      features: {
        process: r.process!,
        tag: r.tag,
        group: r.tag ? r.tag.split(':')[0] : null,
        position,
        inputBytes: oracle ? r.rchar : null,
      },
    });
  }
  return out;
}

interface Candidate {
  label: string;
  make: (target: ModelTarget) => EstimationModel<any>;
  oracle?: boolean;
}

const CANDIDATES: Candidate[] = [
  { label: 'median per process (baseline)', make: (target) => medianBaseline({ target }) },
  { label: 'median per process+tag family', make: (target) => medianBaseline({ target, name: `median-group:${target}`, minGroupSamples: 3 }) },
  { label: 'regression on position', make: (target) => regressionModel({ target, features: ['position'] }) },
  { label: 'regression on rchar  ORACLE', make: (target) => regressionModel({ target, name: `regression-rchar:${target}`, features: ['inputBytes'] }), oracle: true },
];

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');

function table(rows: { label: string; r: BacktestResult }[]): string[] {
  const base = rows[0].r;
  const lines = [`    ${'model'.padEnd(32)} ${'MAPE'.padStart(8)} ${'medAPE'.padStart(8)} ${'bias'.padStart(8)} ${'cover80'.padStart(8)}  verdict`];
  for (const { label, r } of rows) {
    const verdict = r === base ? '' : r.mape < base.mape * 0.97 ? 'beats baseline' : r.mape <= base.mape * 1.03 ? 'no better than baseline' : 'WORSE than baseline';
    lines.push(`    ${label.padEnd(32)} ${pct(r.mape).padStart(8)} ${pct(r.medianApe).padStart(8)} ${pct(r.bias).padStart(8)} ${pct(r.coverage).padStart(8)}  ${verdict}`);
  }
  return lines;
}

async function main() {
  console.log('Estimation model accuracy on the openproblems traces (no input-size feature in these traces)');
  console.log('features: process, tag family (group), position in submit order; rchar only in rows marked ORACLE');
  console.log('MAPE/medAPE: mean/median |pred - actual| / actual; bias: sum(pred)/sum(actual) - 1; cover80: share of actuals inside the 80% interval\n');
  const runs = new Map<string, Task[]>();
  for (const file of RUNS) {
    const { tasks, rejected, total } = await readTasks(file);
    runs.set(file, tasks);
    console.log(`${file}: ${total} tasks read (${rejected} rejected lines), ${tasks.length} COMPLETED used; train older 70% / score newer 30% by submit time`);
    for (const target of ['runtimeMs', 'peakRssBytes'] as const) {
      const rows = CANDIDATES.map((c) => {
        const s = samples(tasks, target, c.oracle);
        return { label: c.label, r: backtest(c.make(target), s) };
      });
      console.log(`  ${target === 'runtimeMs' ? 'runtime (realtime)' : 'peak memory (peak_rss)'}: n = ${rows[0].r.n} scored, ${rows[0].r.nTrain} trained`);
      for (const line of table(rows)) console.log(line);
    }
    console.log();
  }

  const a = runs.get(RUNS[1])!;
  const b = runs.get(RUNS[2])!;
  console.log(`cross-run quote: train on all of ${RUNS[1]}, score all of ${RUNS[2]}`);
  console.log('  caveat: per SOURCE.txt the 2022-05-13 run used `-profile aws,test` (test data) and 2022-05-15 `-profile aws` (full data),');
  console.log('  so this measures how badly a test-profile history quotes a full run, not model quality.');
  for (const target of ['runtimeMs', 'peakRssBytes'] as const) {
    const rows = CANDIDATES.map((c) => ({ label: c.label, r: evaluate(c.make(target), samples(a, target, c.oracle), samples(b, target, c.oracle)) }));
    console.log(`  ${target === 'runtimeMs' ? 'runtime (realtime)' : 'peak memory (peak_rss)'}: n = ${rows[0].r.n}`);
    for (const line of table(rows)) console.log(line);
  }

  console.log('\nreading these numbers:');
  console.log('  - verdicts compare MAPE with the per-process median (within ±3% = "no better"); with 63-256 scored tasks one run is noisy evidence.');
  console.log('  - "regression on position" can only extrapolate a trend in submit order (later tasks in these runs are not like earlier ones);');
  console.log('    where it wins that is the runs\' ordering, not a feature that transfers to a quote for a new run.');
  console.log('  - 80% intervals mostly cover well below 80% within a run: the newer 30% are different tasks/datasets than the older 70%,');
  console.log('    so residuals from held-out older tasks understate the shift. Input sizes and requested cpus/memory are missing here.');
  console.log('  - only COMPLETED tasks are used (the 2022-05-15 run also has 516 FAILED ones).');
  console.log('  - the ORACLE rchar rows (bytes read, known only after the task) do not help a linear per-process fit either.');

  // time: fit on the largest run, then estimate a 10,000-task run (features cycled from real tasks)
  console.log('\nestimating a 10,000-task run (fit on 2022-05-15, then runtime + peak memory for each task):');
  for (const c of CANDIDATES.filter((x) => !x.oracle)) {
    const t0 = performance.now();
    const models = (['runtimeMs', 'peakRssBytes'] as const).map((target) => {
      const m = c.make(target);
      const s = samples(b, target);
      return { m, s, state: m.fit(s) };
    });
    const t1 = performance.now();
    let total = 0;
    for (const { m, s, state } of models) {
      for (let i = 0; i < 10_000; i++) {
        const f = s[i % s.length].features;
        total += m.predict({ ...f, position: i }, state).value;
      }
    }
    const t2 = performance.now();
    console.log(`  ${c.label.padEnd(32)} fit ${(t1 - t0).toFixed(1)} ms, 20,000 predictions ${(t2 - t1).toFixed(1)} ms (checksum ${total.toExponential(3)})`);
  }
  if (process.argv.includes('--db')) await serviceTimes(runs.get(RUNS[2])!);
}

/** Median and max of `n` timed calls. */
async function timeIt(n: number, fn: () => Promise<unknown>): Promise<{ median: number; max: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)], max: ms[ms.length - 1] };
}

async function serviceTimes(largest: Task[]) {
  const { startBenchApp } = await import('./support.js');
  const { sql } = await import('drizzle-orm');
  const { importTraceHistory } = await import('../test/support/history.js');
  const { RunService } = await import('../src/services/runs.js');
  const { toTaskInsert, upsertTasks } = await import('../src/services/capture/task-upsert.js');
  const { ModelService } = await import('../src/services/model-versions.js');
  const { EstimateService } = await import('../src/services/estimates.js');
  const { LiveEstimateService } = await import('../src/services/live-estimates.js');
  const env = await startBenchApp();
  try {
    const db = env.app.database.db;
    const { models, config } = env.app;
    await importTraceHistory(db, env.orgId);
    const run = await new RunService(db, env.orgId, 500).register({ projectCode: 'HIST-openproblems', pipeline: 'openproblems', sampleCount: 4 });
    const rows = Array.from({ length: 10_000 }, (_, i) => {
      const r = largest[i % largest.length].record;
      return toTaskInsert(env.orgId, run.id, { ...r, taskId: i + 1 }, 'trace', /^([^\s:]+)/);
    });
    for (let i = 0; i < rows.length; i += 2000) await upsertTasks(db, rows.slice(i, i + 2000));
    await db.execute(sql`update tasks set vm_size = 'Standard_D4_v3', priority = 'DEDICATED', cpus = coalesce(cpus, 1) where org_id = ${env.orgId}`);
    const t0 = performance.now();
    const report = await new ModelService(db, env.orgId, models, config.estimation).retrain();
    console.log(`\nservices on Postgres (history: 3 real runs + a 10,000-task run of the same pipeline, ${await count(db, env.orgId)} tasks):`);
    console.log(`  retrain: ${report.versions} versions in ${fmt(performance.now() - t0)} ms`);
    const estimates = new EstimateService(db, env.orgId, models, config.estimation);
    const quote = await estimates.quote({ pipeline: 'openproblems', samples: 4, region: 'westeurope' });
    const q = await timeIt(20, () => estimates.quote({ pipeline: 'openproblems', samples: 4, region: 'westeurope' }));
    console.log(`  quote (basis ${quote.basis}, ${quote.processes.length} processes, model ${quote.model.name}): median ${fmt(q.median)} ms, max ${fmt(q.max)} ms over 20 (target < 100 ms)`);
    const live = new LiveEstimateService(db, env.orgId, models, config.estimation);
    const first = await timeIt(1, () => live.reprice(run.id));
    console.log(`  live re-price of the 10,000-task run, first (prices every task): ${fmt(first.median)} ms`);
    const steady: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 1_050)); // one live figure per run per second
      await upsertTasks(db, [toTaskInsert(env.orgId, run.id, { ...largest[i].record, taskId: 20_000 + i }, 'trace', /^([^\s:]+)/)]);
      await db.execute(sql`update tasks set vm_size = 'Standard_D4_v3' where org_id = ${env.orgId} and run_id = ${run.id} and vm_size is null`);
      steady.push((await timeIt(1, () => live.reprice(run.id))).median);
    }
    steady.sort((a, b) => a - b);
    console.log(`  live re-price after one more completion: median ${fmt(steady[2])} ms, max ${fmt(steady[4])} ms over 5 (target < 100 ms)`);
  } finally {
    await env.close();
  }
}

async function count(db: import('../src/db/client.js').Db, orgId: string): Promise<number> {
  const { sql } = await import('drizzle-orm');
  const [{ n }] = (await db.execute(sql`select count(*)::int as n from tasks where org_id = ${orgId}`)) as unknown as { n: number }[];
  return n;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
