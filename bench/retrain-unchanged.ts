/**
 * What a retrain costs when nothing changed since the last one (the nightly `models.retrain`, and the
 * one after each reconciliation, on a history no run was added to). Per history size, an organization
 * with that many COMPLETED tasks (4 pipelines × 20 processes, runs of 1,000 tasks, one declared pool,
 * one cheap learner per target) is retrained once (it fits), then again with nothing changed. Printed:
 * that round (with what it read: nothing but the pipelines' fingerprints, since the fingerprint skip)
 * and its fingerprint query, then what the round read and hashed before the skip existed, each part
 * timed on its own with the service's own functions:
 *   - task history read (taskHistory, with billedRuns beside it as retrain runs them),
 *   - hashing (samplesFor + the scope split + samplesKey, every scope of every target with learners),
 *   - priced runs read (pricedRuns: the costPerRun samples of pipelines with too few billed runs),
 *   - pipeline profiles (refreshProfile, every pipeline).
 * Baseline, in the same run: a raw select of the tasks' own columns that history reads (no joins),
 * and a count(*) of the same rows; every figure is printed as a ratio of the raw select. Each is the
 * median of `--repeat` rounds, interleaved, so a busy machine slows all of them alike.
 *
 *   npm run build && node --max-old-space-size=8192 dist/bench/retrain-unchanged.js [--tasks 100000,1000000] [--repeat 3]
 *
 * Runs against DATABASE_URL (a new database per size, dropped at the end) or an embedded Postgres.
 */
import '../src/production-mode.js';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { medianBaseline, ModelRegistry, pushTo, type TrainingSample } from '../src/models/index.js';
import { billedRuns, pricedRuns, samplesFor, taskHistory, TASK_TARGETS, type HistoryTask } from '../src/services/history.js';
import { pipelineFingerprints } from '../src/services/history-fingerprint.js';
import { MIN_SCOPE_SAMPLES, ModelService, samplesKey } from '../src/services/model-versions.js';
import { createOrganization } from '../src/services/organizations.js';
import { PoolService } from '../src/services/pools.js';
import { fmt, freshBenchDatabase, startBenchServer } from './support.js';

const at = process.argv.indexOf('--tasks');
const SIZES = (at > 0 ? process.argv[at + 1] : '100000,1000000').split(',').map(Number);
const PIPELINES = 4;
const PROCESSES = 20;
const TASKS_PER_RUN = 1000;
const rep = process.argv.indexOf('--repeat');
const REPEAT = rep > 0 ? Number(process.argv[rep + 1]) : 3;

const settings = loadConfig({}).estimation;
const server = await startBenchServer('bench', 54349);

const secs = (ms: number) => `${fmt(ms / 1000, 2).padStart(7)} s`;
/** What an unchanged round hashes: every scope of every task target that has learners (retrain's own split). */
function hashScopes(models: ModelService, history: HistoryTask[]): number {
  const byPipeline = new Map<string, HistoryTask[]>();
  for (const h of history) pushTo(byPipeline, h.pipeline, h);
  let n = 0;
  for (const [pipeline, tasks] of byPipeline) {
    for (const target of TASK_TARGETS) {
      if (models.learners(target).length === 0) continue;
      const samples = samplesFor(target, tasks);
      const byProcess = new Map<string, TrainingSample[]>();
      for (const s of samples) pushTo(byProcess, s.features.process, s);
      const scoped = [{ scope: 'PIPELINE' as const, process: '', samples }, ...[...byProcess].map(([process, list]) => ({ scope: 'PROCESS' as const, process, samples: list }))];
      for (const s of scoped) {
        if (s.samples.length < MIN_SCOPE_SAMPLES) continue;
        samplesKey(target, { ...s, pipeline }, settings);
        n += 1;
      }
    }
  }
  return n;
}

async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
}

try {
  for (const size of SIZES) {
    const { database, close } = await freshBenchDatabase(server, 'gct_bench_retrain');
    try {
      const { db } = database;
      const orgId = (await createOrganization(db, { name: 'Bench', slug: 'bench-retrain' })).organization.id;
      await new PoolService(db, orgId).declare({ name: 'nf-d4', region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED' });
      const runCount = Math.ceil(size / TASKS_PER_RUN);
      const [, seedMs] = await timed(async () => {
        await db.execute(sql`insert into projects (org_id, code, name) values (${orgId}, 'P-1', 'bench')`);
        await db.execute(sql`insert into pipelines (org_id, name, revision)
          select ${orgId}, 'nf-core/bench-' || p, '1.0' from generate_series(1, ${PIPELINES}) p`);
        // runs a day apart, spread round-robin over the pipelines
        await db.execute(sql`insert into runs (org_id, project_id, pipeline_id, status, submitted_at, started_at, completed_at, sample_count, input_bytes, region, currency)
          select ${orgId}, (select id from projects where org_id = ${orgId}),
                 (select id from pipelines where org_id = ${orgId} and name = 'nf-core/bench-' || (1 + r % ${PIPELINES})),
                 'SUCCEEDED', ts, ts, ts + interval '6 hours', 4 + r % 20, (4 + r % 20) * 2000000000::bigint, 'westeurope', 'USD'
          from generate_series(0, ${runCount - 1}) r, lateral (select timestamptz '2024-01-01' + r * interval '1 day' as ts) x`);
        // every task of a run: 20 processes, a sample tag, runtimes and memory that depend on the process and sample
        await db.execute(sql`insert into tasks (org_id, run_id, task_id, attempt, source, status, process, tag, sample, cpus, memory_bytes,
                 submitted_at, started_at, completed_at, realtime_ms, duration_ms, peak_rss, pool, queue, vm_size, priority)
          select r.org_id, r.id, i, 1 + (i % 97 = 0)::int, 'trace', 'COMPLETED', 'PROC_' || (i % ${PROCESSES}), 'S' || (i % 37) || ':chunk' || (i % 5),
                 'S' || (i % 37), 1 + i % 4, (2 + i % 6) * 1073741824::bigint,
                 r.submitted_at + i * interval '5 seconds', r.submitted_at + i * interval '5 seconds' + interval '30 seconds',
                 r.submitted_at + i * interval '5 seconds' + interval '30 seconds' + ms * interval '1 millisecond', ms, ms + 30000,
                 (200 + (i % ${PROCESSES}) * 50 + (i * 7919) % 300) * 1048576::bigint, 'nf-d4', 'nf-d4', 'Standard_D4_v3', 'DEDICATED'
          from (select *, row_number() over (order by submitted_at) as n from runs where org_id = ${orgId}) r
          cross join generate_series(1, ${TASKS_PER_RUN}) i
          cross join lateral (select (60000 + (i % ${PROCESSES}) * 15000 + ((i * 104729 + r.n * 31) % 20000))::bigint as ms) m
          where (r.n - 1) * ${TASKS_PER_RUN} + i <= ${size}`);
        await db.execute(sql`update runs r set task_count = (select count(*) from tasks t where t.org_id = r.org_id and t.run_id = r.id) where r.org_id = ${orgId}`);
        await db.execute(sql`analyze`);
      });
      // one cheap learner per target: what an unchanged round costs does not depend on the models (it fits
      // none), and the built-ins' first fit of 1M tasks would take the bench's whole time
      const registry = new ModelRegistry();
      for (const target of ['runtimeMs', 'peakRssBytes', 'costPerRun'] as const) registry.register(medianBaseline({ target }));
      const models = new ModelService(db, orgId, registry, settings);
      const [first, firstMs] = await timed(() => models.retrain());
      console.log(`\n${size.toLocaleString('en')} completed tasks (${runCount} runs, ${PIPELINES} pipelines × ${PROCESSES} processes): seeded in ${secs(seedMs)}`);
      console.log(`  first retrain (fits):              ${secs(firstMs)}  ${first.versions} versions, ${first.unchanged} unchanged`);

      // the same history again, REPEAT times, each round followed by its parts timed one by one and the
      // baseline, so a busy machine slows all of them alike; medians are printed
      const t: Record<'round' | 'fingerprint' | 'read' | 'hash' | 'priced' | 'profile' | 'raw' | 'count', number[]> = { round: [], fingerprint: [], read: [], hash: [], priced: [], profile: [], raw: [], count: [] };
      let historyRead = '';
      let skipped = 0;
      let scopes = 0;
      for (let rep = 0; rep < REPEAT; rep++) {
        const [again, roundMs] = await timed(() => models.retrain());
        if (again.versions !== 0) throw new Error(`an unchanged retrain stored ${again.versions} versions: the history changed under the bench`);
        skipped = again.unchanged;
        historyRead = `read ${again.historyRead.tasks} tasks of ${again.historyRead.pipelines} pipelines, priced ${again.historyRead.pricedPipelines}`;
        t.fingerprint.push((await timed(() => pipelineFingerprints(db, orgId, { fxRates: settings.fxRates })))[1]);
        t.round.push(roundMs);
        const [[history], readMs] = await timed(() => Promise.all([taskHistory(db, orgId), billedRuns(db, orgId)]));
        t.read.push(readMs);
        const [n, hashMs] = await timed(() => hashScopes(models, history));
        scopes = n;
        t.hash.push(hashMs);
        const pipelines = [...new Set(history.map((h) => h.pipeline))];
        t.priced.push((await timed(() => pricedRuns(db, orgId, pipelines, settings.fxRates)))[1]);
        t.profile.push(
          (
            await timed(async () => {
              for (const p of pipelines) await models.refreshProfile(p);
            })
          )[1],
        );
        // baseline: the same tasks' own columns, no joins, no window, no price lookup
        t.raw.push(
          (
            await timed(
              () => database.sql`select run_id, task_id, process, tag, sample, cpus, memory_bytes, attempt, submitted_at, started_at, completed_at,
                                        realtime_ms, duration_ms, peak_rss, vm_size, pool, priority
                                 from tasks where org_id = ${orgId} and status = 'COMPLETED' and process is not null`,
            )
          )[1],
        );
        t.count.push((await timed(() => database.sql`select count(*) from tasks where org_id = ${orgId} and status = 'COMPLETED' and process is not null`))[1]);
      }
      const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
      const [roundMs, fingerprintMs, readMs, hashMs, pricedMs, profileMs, rawMs, countMs] = [t.round, t.fingerprint, t.read, t.hash, t.priced, t.profile, t.raw, t.count].map(median);
      const fullMs = readMs + hashMs + pricedMs + profileMs;

      const line = (label: string, ms: number) => console.log(`  ${label.padEnd(36)} ${secs(ms)}  ${fmt(ms / rawMs, 2).padStart(6)}× raw select`);
      line(`unchanged retrain (${skipped} scopes skipped)`, roundMs);
      console.log(`    (${historyRead})`);
      line('  of which the fingerprints', fingerprintMs);
      console.log(`  what it reads and hashes without the fingerprint skip, part by part:`);
      line('  task history read (+ billedRuns)', readMs);
      line(`  hashing (${scopes} scopes)`, hashMs);
      line('  priced runs read (costPerRun)', pricedMs);
      line('  pipeline profiles', profileMs);
      line('  sum', fullMs);
      console.log(`  baseline: raw select of the tasks' columns ${secs(rawMs)}, count(*) ${secs(countMs)}`);
    } finally {
      await close();
    }
  }
} finally {
  await server.stop();
}
