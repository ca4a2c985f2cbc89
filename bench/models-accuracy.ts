/**
 * Accuracy of the estimation models on the three real openproblems traces
 * (fixtures/nextflow-traces/openproblems). No database.
 *
 *   node dist/bench/models-accuracy.js
 *
 * Per workflow: train on the older 70 % of its tasks by submit time, score on the newer 30 %,
 * for runtime (`realtime`), peak memory (`peak_rss`) and task cost. Cost is the price-sheet rule
 * on one reference VM from the shipped Azure Batch price snapshot (see REFERENCE_VM): the traces
 * name no VM, so this cost is runtime × max(cpu share of 1 cpu, peak memory share), priced.
 *
 * The champion is chosen as the retrain job chooses it (services/model-versions.ts), using only
 * the training 70 %: per scope (the pipeline, and each process with >= 20 training tasks) every
 * built-in learner is backtested on that scope's training tasks (older 70 % of them fit, newer
 * 30 % score), the lowest MAPE among those whose bias is within the service's bound wins
 * (models/promotion.ts), and the winner is refitted on the scope's training tasks.
 * A scored task is predicted by its process's champion, else the pipeline's.
 *
 * Then the live estimate's run correction (printLive: the same split, each newer task corrected by
 * the newer tasks settled when it was submitted, and the live total at 10-75 % of completions), one
 * cross-run case (train on the 2022-05-13 run, quote the 2022-05-15 run), and the time to estimate
 * a 10,000-task run.
 *
 * These traces are Nextflow's default 14 columns: no cpus/memory requests, no input sizes, no
 * attempts. Features available before a task runs: process (from `name`), tag, and the task's
 * position in submit order; `group` = the tag's first `:` field (the openproblems task family,
 * e.g. `label_projection`). `rchar` (bytes read) stands in for input size in one row marked
 * ORACLE: it is measured while the task runs, so a real quote cannot have it.
 *
 * With `--coverage-dev` it also scores the champion's 80 % intervals on each run's training 70 % only:
 * fit on the older 50 / 60 / 70 % of it, score the next 30 % of it (27 cases). An interval method
 * should be chosen on these, not on the summary's 9 held-out cells: the held-out cells rest on the
 * few datasets each newest 30 % holds, and a method tuned to them need not hold elsewhere in the run.
 *
 * With `--db` it also times the services on a real Postgres (GCT_BENCH_PG_PORT or DATABASE_URL):
 * a quote (EstimationService.quote) from a champion trained on the three traces plus a 10,000-task
 * run built by cycling the largest trace's tasks, and the live re-price of that 10,000-task run
 * (first: every task priced; then steady state, after one more completion). Target: < 100 ms.
 */
import { createReadStream, readFileSync } from 'node:fs';
import path from 'node:path';
import { openTrace, type TaskRecord } from '../src/ingest/nextflow/index.js';
import { backtest, evaluate, scorePredictions, type BacktestResult } from '../src/models/backtest.js';
import { loadConfig } from '../src/config.js';
import { medianBaseline } from '../src/models/median-baseline.js';
import { chooseChampion } from '../src/models/promotion.js';
import { byTime, timeOrderedSplit } from '../src/models/intervals.js';
import type { EstimationModel, Features, ModelTarget, Prediction, TrainingSample, VmPrice } from '../src/models/model.js';
import { priceDuration } from '../src/models/price-sheet.js';
import { processSelectorModel } from '../src/models/process-selector.js';
import { regressionModel } from '../src/models/regression.js';
import { singleFeatureModel } from '../src/models/single-feature.js';
import { DEFAULT_RUN_CORRECTION_PRIOR, runCorrection, settledHorizon } from '../src/models/run-correction.js';
import { tokenRidgeModel } from '../src/models/token-ridge.js';
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

/** A memory-optimised size, so every task of these traces (up to ~23 GB peak) fits; dedicated price. */
const REFERENCE_VM_SIZE = 'Standard_E8_v3';
const REFERENCE_VM: VmPrice = (() => {
  const file = fixturePath('azure-vm-prices', 'BatchSupportedVmSizeInformation_AZURECLOUD_2025-03-04.json');
  const sizes = JSON.parse(readFileSync(file, 'utf8')) as { VmSize: string; LowPriority: boolean; PricePerHour: number | null; MemoryInGiB: number; VCpusAvailable: number }[];
  const e = sizes.find((x) => x.VmSize === REFERENCE_VM_SIZE && !x.LowPriority && x.PricePerHour !== null);
  if (!e) throw new Error(`${REFERENCE_VM_SIZE} has no dedicated price in ${file}`);
  return { vcpus: e.VCpusAvailable, memoryGib: e.MemoryInGiB, pricePerHour: e.PricePerHour! };
})();

type Target = 'runtimeMs' | 'peakRssBytes' | 'costPerTask';
const TARGETS: readonly Target[] = ['runtimeMs', 'peakRssBytes', 'costPerTask'];
const TARGET_LABEL: Record<Target, string> = { runtimeMs: 'runtime (realtime)', peakRssBytes: 'peak memory (peak_rss)', costPerTask: `task cost (price-sheet, ${REFERENCE_VM_SIZE})` };

const observed: Record<Target, (r: TaskRecord) => number | null> = {
  runtimeMs: (r) => r.realtimeMs,
  peakRssBytes: (r) => r.peakRss,
  costPerTask: (r) => (r.realtimeMs === null || r.peakRss === null ? null : priceDuration({ cpus: 1, memoryBytes: r.peakRss }, REFERENCE_VM, r.realtimeMs)),
};

function samples(tasks: Task[], target: Target, oracle = false): TrainingSample[] {
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

/** The built-in learners (builtins.ts), the ones the retrain job chooses a champion among. */
const LEARNERS: Candidate[] = [
  { label: 'median per process (baseline)', make: (target) => medianBaseline({ target }) },
  { label: 'linear regression (position)', make: (target) => regressionModel({ target }) },
  { label: 'simple regression (1 feature)', make: (target) => singleFeatureModel({ target, family: 'simple' }) },
  { label: 'polynomial regression (deg 2)', make: (target) => singleFeatureModel({ target, family: 'polynomial' }) },
  { label: 'robust regression (Theil-Sen)', make: (target) => singleFeatureModel({ target, family: 'robust' }) },
  { label: 'tag-token ridge (log space)', make: (target) => tokenRidgeModel({ target }) },
  { label: 'per-process selector', make: (target) => processSelectorModel({ target }) },
];

const CANDIDATES: Candidate[] = [
  ...LEARNERS,
  { label: 'median per process+tag family', make: (target) => medianBaseline({ target, name: `median-group:${target}`, minGroupSamples: 3 }) },
  { label: 'regression on rchar  ORACLE', make: (target) => regressionModel({ target, name: `regression-rchar:${target}`, features: ['inputBytes'] }), oracle: true },
];

const MIN_SCOPE_SAMPLES = 20;
/** The service's promotion rule with its configured bias bound (GCT_MODEL_MAX_BIAS_PERCENT). */
const PROMOTION = { maxBias: loadConfig(process.env).estimation.maxChampionBias };
const INNER_TRAIN_FRACTION = 0.7;

interface Champion {
  /** Scope → winning learner's label: `pipeline`, then each process scope. */
  picks: Map<string, string>;
  predict(f: Features): Prediction;
}

/** The retrain job's rule (see the file comment) on the training samples only. */
function selectChampion(target: Target, train: TrainingSample[]): Champion {
  const scopes: [string, TrainingSample[]][] = [['pipeline', train]];
  const byProcess = new Map<string, TrainingSample[]>();
  for (const s of train) byProcess.set(s.features.process, [...(byProcess.get(s.features.process) ?? []), s]);
  for (const [process, list] of byProcess) if (list.length >= MIN_SCOPE_SAMPLES) scopes.push([process, list]);
  const picks = new Map<string, string>();
  const fitted = new Map<string, (f: Features) => Prediction>();
  for (const [scope, list] of scopes) {
    const scores = LEARNERS.map((c) => backtest(c.make(target), list, { trainFraction: INNER_TRAIN_FRACTION }));
    const pick = chooseChampion(scores, null, PROMOTION);
    if (pick === null) continue;
    const best = { c: LEARNERS[pick] };
    const model = best.c.make(target);
    const state = JSON.parse(JSON.stringify(model.fit(list))) as unknown;
    picks.set(scope, best.c.label);
    fitted.set(scope, (f) => model.predict(f, state));
  }
  return { picks, predict: (f) => (fitted.get(f.process) ?? fitted.get('pipeline')!)(f) };
}

/** The champion's holdout metrics, through `evaluate` so they are computed exactly as every other row's. */
function championResult(target: Target, s: TrainingSample[]): { r: BacktestResult; picks: Map<string, string> } {
  const { older, newer } = timeOrderedSplit(s, 0.7);
  let champion: Champion | null = null;
  // its state lives in the closure; `{}` is what a version could store
  const model: EstimationModel<Record<string, never>> = {
    name: `champion:${target}`,
    version: 'bench',
    target,
    fit: (train) => {
      champion = selectChampion(target, [...train]);
      return {};
    },
    predict: (f) => champion!.predict(f),
  };
  const r = evaluate(model, older, newer);
  return { r, picks: champion!.picks };
}

interface Summary {
  workflow: string;
  target: Target;
  baseline: BacktestResult;
  champion: BacktestResult;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');

/** The issue's targets: champion MAPE >= 15 % below the baseline's; 80 % intervals covering 75-85 %. */
function printSummary(rows: Summary[]) {
  console.log('summary (issue 5 targets: champion MAPE at least 15% below the baseline\'s; champion 80% interval covers 75-85%):');
  console.log(`  ${'workflow'.padEnd(31)} ${'target'.padEnd(13)} ${'base MAPE'.padStart(9)} ${'champ MAPE'.padStart(10)} ${'rel.'.padStart(6)} ${'>=15%'.padStart(5)} ${'base cov'.padStart(8)} ${'champ cov'.padStart(9)} ${'75-85%'.padStart(6)}`);
  for (const { workflow, target, baseline: b, champion: c } of rows) {
    const rel = 1 - c.mape / b.mape;
    const inBand = c.coverage >= 0.75 && c.coverage <= 0.85;
    console.log(`  ${workflow.padEnd(31)} ${target.padEnd(13)} ${pct(b.mape).padStart(9)} ${pct(c.mape).padStart(10)} ${pct(rel).padStart(6)} ${(rel >= 0.15 ? 'yes' : 'no').padStart(5)} ${pct(b.coverage).padStart(8)} ${pct(c.coverage).padStart(9)} ${(inBand ? 'yes' : 'no').padStart(6)}`);
  }
  for (const target of TARGETS) {
    const of = rows.filter((r) => r.target === target);
    const beats = of.filter((r) => 1 - r.champion.mape / r.baseline.mape >= 0.15).length;
    const covered = of.filter((r) => r.champion.coverage >= 0.75 && r.champion.coverage <= 0.85).length;
    // over every held-out task of the three runs together, as well as run by run
    const tasks = of.reduce((n, r) => n + r.champion.n, 0);
    const inside = of.reduce((n, r) => n + Math.round(r.champion.coverage * r.champion.n), 0);
    console.log(
      `  ${target}: champion beats the baseline by >= 15% on ${beats}/${of.length} workflows; coverage in 75-85% on ${covered}/${of.length}; ` +
        `over all ${tasks} held-out tasks ${pct(inside / tasks)}`,
    );
  }
  console.log();
}

/** Cuts (share of a run's training 70 %) the champion is fitted on; each is scored on the next 30 % of the training 70 %. */
const DEV_CUTS = [0.5, 0.6, 0.7];

/** The champion's 80 % coverage on the training 70 % alone (see the file comment), for choosing interval methods. */
function printCoverageDev(runs: Map<string, Task[]>) {
  console.log(`champion 80% coverage on each run's training 70% only (fit on the older ${DEV_CUTS.map(pct).join(' / ')} of it, score the next 30% of it):`);
  const all: number[] = [];
  for (const [file, tasks] of runs) {
    for (const target of TARGETS) {
      const train = byTime(timeOrderedSplit(samples(tasks, target), 0.7).older);
      const cells = DEV_CUTS.map((f) => {
        const cut = Math.floor(train.length * f);
        const scored = train.slice(cut, Math.min(train.length, Math.floor(train.length * (f + 0.3))));
        const champion = selectChampion(target, train.slice(0, cut));
        const inside = scored.filter((s) => {
          const p = champion.predict(s.features);
          return s.value >= p.low && s.value <= p.high;
        }).length;
        return inside / scored.length;
      });
      all.push(...cells);
      console.log(`  ${file.padEnd(31)} ${target.padEnd(13)} ${cells.map((c) => pct(c).padStart(6)).join(' ')}`);
    }
  }
  const off = all.reduce((a, c) => a + Math.abs(c - 0.8), 0) / all.length;
  const inBand = all.filter((c) => c >= 0.75 && c <= 0.85).length;
  console.log(`  mean |coverage - 80%| ${(off * 100).toFixed(1)} points; in 75-85% on ${inBand}/${all.length}\n`);
}

/** A task's sample with when it finished (epoch ms; null when the trace tells neither `complete` nor `duration`). */
interface Timed {
  sample: TrainingSample;
  completeAt: number | null;
  startAt: number | null;
}

function timedSamples(tasks: Task[], target: Target): Timed[] {
  // Nextflow's default trace has no `complete` column; `duration` runs from submit to complete
  const end = (r: TaskRecord) => r.complete?.getTime() ?? (r.durationMs === null ? null : r.submit!.getTime() + r.durationMs);
  const start = (r: TaskRecord) => r.start?.getTime() ?? (end(r) === null || r.realtimeMs === null ? null : end(r)! - r.realtimeMs);
  const byPosition = new Map(tasks.map((t) => [t.position, t.record]));
  // samples() keeps the tasks' order and drops only those without a value
  return samples(tasks, target).map((sample) => {
    const r = byPosition.get(sample.features.position!)!;
    return { sample, completeAt: end(r), startAt: start(r) };
  });
}

const LIVE_CHECKPOINTS = [0.1, 0.25, 0.5, 0.75];

interface Scored extends Timed {
  p: Prediction;
}

/** The run correction from the scored tasks settled by `at`, per process (run-correction.ts). */
function correctionAt(scored: readonly Scored[], at: number) {
  const byProcess = new Map<string, Scored[]>();
  for (const o of scored) {
    const list = byProcess.get(o.sample.features.process);
    if (list) list.push(o);
    else byProcess.set(o.sample.features.process, [o]);
  }
  const settled = [...byProcess.values()].flatMap((tasks) => {
    const horizon = settledHorizon(tasks.map((o) => ({ submitAt: o.sample.at, completeAt: o.completeAt })), at);
    return tasks.filter((o) => o.sample.at < horizon);
  });
  return runCorrection(settled.map((o) => ({ process: o.sample.features.process, predicted: o.p.value, actual: o.sample.value })));
}

/** Each scored task's prediction times the factor known when it was submitted. */
function correctedPredictions(scored: readonly Scored[]): Prediction[] {
  return scored.map((o) => {
    const f = correctionAt(scored, o.sample.at).factor(o.sample.features.process);
    return { value: o.p.value * f, low: o.p.low * f, high: o.p.high * f };
  });
}

/**
 * Signed error of the scored tasks' total at checkpoints of their completions, as the live figure
 * gives it: finished tasks at their actual cost, the rest predicted: as quoted (static), times the
 * run correction (corrected), and that with each running task at least its cost so far (live, as the
 * service does, with a lower floor: cost so far is priced at one cpu's share of the VM, since the
 * peak memory that may raise the share is only known when the task ends, where the service uses the
 * task's requests; and a start rebuilt as end − realtime misses the time before the process ran).
 */
function liveTotals(scored: readonly Scored[]): { share: number; static: number; corrected: number; live: number; staticInside: boolean; liveInside: boolean }[] {
  const done = scored.filter((o) => o.completeAt !== null).map((o) => o.completeAt!).sort((a, b) => a - b);
  const actual = scored.reduce((a, o) => a + o.sample.value, 0);
  return LIVE_CHECKPOINTS.map((share) => {
    const at = done[Math.max(0, Math.ceil(done.length * share) - 1)];
    const correction = correctionAt(scored, at);
    let spent = 0;
    const rest = { static: [0, 0, 0], corrected: 0, live: [0, 0, 0] };
    for (const o of scored) {
      if (o.completeAt !== null && o.completeAt <= at) {
        spent += o.sample.value;
        continue;
      }
      const f = correction.factor(o.sample.features.process);
      const soFar = o.startAt !== null && o.startAt <= at ? priceDuration({ cpus: 1, memoryBytes: 0 }, REFERENCE_VM, at - o.startAt) : 0;
      [o.p.low, o.p.value, o.p.high].forEach((x, i) => {
        rest.static[i] += x;
        rest.live[i] += Math.max(x * f, soFar);
      });
      rest.corrected += o.p.value * f;
    }
    const error = (r: number) => (spent + r) / actual - 1;
    // the interval sums the tasks' bounds, as a quote does (tasks taken as moving together)
    const inside = ([low, , high]: number[]) => spent + low <= actual && actual <= spent + high;
    return {
      share, static: error(rest.static[1]), corrected: error(rest.corrected), live: error(rest.live[1]),
      staticInside: inside(rest.static), liveInside: inside(rest.live),
    };
  });
}

/**
 * The live estimate's run correction (models/run-correction.ts). Within each run, on the same
 * 70 / 30 split: each newer task is predicted by the champion fitted on the older 70 % times the
 * factor from the newer tasks settled when it was submitted (the older 70 % are the champion's own
 * training tasks, whose in-sample ratios say little). Then the live figure of the newer 30 %'s
 * total cost at checkpoints of their completions, and the same for the cross-run quote (2022-05-13's
 * champion pricing all of 2022-05-15), the case a live figure exists for: a history that does not
 * look like the run.
 */
function printLive(runs: Map<string, Task[]>) {
  console.log(`live: newer 30% predicted at their submit time, times the run correction from the settled newer tasks (prior ${DEFAULT_RUN_CORRECTION_PRIOR} tasks):`);
  console.log(`  ${'workflow'.padEnd(31)} ${'target'.padEnd(13)} ${'static MAPE'.padStart(11)} ${'live MAPE'.padStart(9)} ${'static bias'.padStart(11)} ${'live bias'.padStart(9)} ${'static cov'.padStart(10)} ${'live cov'.padStart(8)}`);
  const totals: { label: string; cells: ReturnType<typeof liveTotals> }[] = [];
  for (const [file, tasks] of runs) {
    for (const target of TARGETS) {
      const timed = timedSamples(tasks, target);
      const cut = Math.floor(timed.length * 0.7);
      const champion = selectChampion(target, timed.slice(0, cut).map((t) => t.sample));
      const scored = timed.slice(cut).map((t) => ({ ...t, p: champion.predict(t.sample.features) }));
      const actual = scored.map((o) => o.sample.value);
      const st = scorePredictions(actual, scored.map((o) => o.p));
      const lv = scorePredictions(actual, correctedPredictions(scored));
      console.log(`  ${file.padEnd(31)} ${target.padEnd(13)} ${pct(st.mape).padStart(11)} ${pct(lv.mape).padStart(9)} ${pct(st.bias).padStart(11)} ${pct(lv.bias).padStart(9)} ${pct(st.coverage).padStart(10)} ${pct(lv.coverage).padStart(8)}`);
      if (target === 'costPerTask') totals.push({ label: `${file}, newer 30%`, cells: liveTotals(scored) });
    }
  }
  const champion = selectChampion('costPerTask', samples(runs.get(RUNS[1])!, 'costPerTask'));
  const cross = timedSamples(runs.get(RUNS[2])!, 'costPerTask').map((t) => ({ ...t, p: champion.predict(t.sample.features) }));
  totals.push({ label: `${RUNS[2]} quoted from ${RUNS[1].slice(16, 26)}`, cells: liveTotals(cross) });

  console.log('  live total cost (finished tasks actual, the rest predicted), signed error static -> live (corrected, running tasks at least their cost so far):');
  for (const { label, cells } of totals) {
    console.log(`  ${label.padEnd(52)} ${cells.map((c) => `${pct(c.share).padStart(5)}: ${pct(c.static).padStart(7)} -> ${pct(c.live).padStart(7)}`).join('  ')}`);
  }
  const all = totals.flatMap((t) => t.cells);
  const mean = (k: 'static' | 'corrected' | 'live') => pct(all.reduce((a, c) => a + Math.abs(c[k]), 0) / all.length);
  const closer = (k: 'corrected' | 'live') => all.filter((c) => Math.abs(c[k]) < Math.abs(c.static)).length;
  console.log(
    `  mean |error| over the ${all.length} checkpoints: static ${mean('static')}, run correction only ${mean('corrected')} (closer on ${closer('corrected')}), ` +
      `live ${mean('live')} (closer on ${closer('live')}/${all.length})`,
  );
  console.log(
    `  the total inside its interval (the tasks' 80% bounds summed): static ${all.filter((c) => c.staticInside).length}/${all.length}, ` +
      `live ${all.filter((c) => c.liveInside).length}/${all.length}\n`,
  );
}

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
  console.log('models: median per process = the baseline; linear regression = per-process OLS on the numeric features present (here only position);');
  console.log('  simple / polynomial / robust regression = per process, on the one input (input bytes, requested cpus/memory, sample count)');
  console.log('  that fits best: least squares, a quadratic floored at the smallest and capped at 2x the largest value seen, Theil-Sen');
  console.log('  (median of pairwise slopes); these traces carry none of those inputs, so they answer the median and equal the baseline;');
  console.log('  tag-token ridge = per process, log(value) ~ words of the tag (ridge); per-process selector = per process, median or tag-token ridge,');
  console.log('  whichever had the lower MAPE on the newest 30% of its own training tasks; all intervals: held-out ratio quantiles, rolling-origin');
  console.log('  for known tasks; for tasks with a tag word new to their process, the widest of the leave-words-out band and the band of');
  console.log('  rolling-origin tasks that were new when they arrived; per process when a process has >= 20 residuals.');
  console.log('  Rows below the learners are bench-only references, never champions.\n');
  const runs = new Map<string, Task[]>();
  const summary: Summary[] = [];
  for (const file of RUNS) {
    const { tasks, rejected, total } = await readTasks(file);
    runs.set(file, tasks);
    console.log(`${file}: ${total} tasks read (${rejected} rejected lines), ${tasks.length} COMPLETED used; train older 70% / score newer 30% by submit time`);
    for (const target of TARGETS) {
      const rows = CANDIDATES.map((c) => {
        const s = samples(tasks, target, c.oracle);
        return { label: c.label, r: backtest(c.make(target), s) };
      });
      const champ = championResult(target, samples(tasks, target));
      rows.push({ label: 'CHAMPION (chosen on train only)', r: champ.r });
      summary.push({ workflow: file, target, baseline: rows[0].r, champion: champ.r });
      console.log(`  ${TARGET_LABEL[target]}: n = ${rows[0].r.n} scored, ${rows[0].r.nTrain} trained`);
      for (const line of table(rows)) console.log(line);
      console.log(`    champion picks: ${[...champ.picks].map(([scope, label]) => `${scope} -> ${label}`).join('; ')}`);
    }
    console.log();
  }
  printSummary(summary);
  if (process.argv.includes('--coverage-dev')) printCoverageDev(runs);
  printLive(runs);

  const a = runs.get(RUNS[1])!;
  const b = runs.get(RUNS[2])!;
  console.log(`cross-run quote: train on all of ${RUNS[1]}, score all of ${RUNS[2]}`);
  console.log('  caveat: per SOURCE.txt the 2022-05-13 run used `-profile aws,test` (test data) and 2022-05-15 `-profile aws` (full data),');
  console.log('  so this measures how badly a test-profile history quotes a full run, not model quality.');
  for (const target of TARGETS) {
    const rows = CANDIDATES.map((c) => ({ label: c.label, r: evaluate(c.make(target), samples(a, target, c.oracle), samples(b, target, c.oracle)) }));
    console.log(`  ${TARGET_LABEL[target]}: n = ${rows[0].r.n}`);
    for (const line of table(rows)) console.log(line);
  }

  console.log('\nreading these numbers:');
  console.log('  - verdicts compare MAPE with the per-process median (within ±3% = "no better"); with 63-256 scored tasks one run is noisy evidence.');
  console.log('  - "linear regression (position)" can only extrapolate a trend in submit order (later tasks in these runs are not like earlier ones);');
  console.log('    where it wins that is the runs\' ordering, not a feature that transfers to a quote for a new run.');
  console.log('  - 80% intervals miss 80% both ways within a run: the newer 30% are other tasks/datasets/methods than the older 70%.');
  console.log('    Tasks with a tag word new to their process get the widest of the leave-words-out and arrived-new rolling-origin bands,');
  console.log('    known ones rolling-origin residuals. The newer tasks are over-predicted by ~2x in runtime: where the latest arrivals in');
  console.log('    training already ran short (2022-05-13) the arrived-new band covers it; where they did not (2021-03-04) nothing before');
  console.log('    the split shows it. A cell\'s coverage rests on the few datasets its newest 30% holds: one run is noisy evidence here too.');
  console.log('    Input sizes and requests are missing here.');
  console.log(`  - champions are chosen by MAPE among learners whose inner-holdout |bias| <= ${pct(PROMOTION.maxBias)} (the service's rule, models/promotion.ts).`);
  console.log('  - task cost here is runtime x max(1 cpu, peak memory) share of one reference VM, so its errors follow runtime\'s (and memory\'s for big tasks).');
  console.log('  - only COMPLETED tasks are used (the 2022-05-15 run also has 516 FAILED ones).');
  console.log('  - the ORACLE rchar rows (bytes read, known only after the task) do not help a linear per-process fit either.');

  // time: fit on the largest run, then estimate a 10,000-task run (features cycled from real tasks)
  console.log('\nestimating a 10,000-task run (fit on 2022-05-15, then runtime + peak memory for each task):');
  for (const c of LEARNERS) {
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
