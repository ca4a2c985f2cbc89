/**
 * The live re-price's "each task's latest TASK row" filter (live-estimates.ts, latestTaskRow) on three
 * 10,000-task runs, each re-priced four times with 100 tasks changed in each of the last three (300
 * superseding rows a run). The filter's sub-select reads the run's superseding rows: through the partial
 * index estimates_org_run_supersedes_idx, or, as before it, through the run's every estimate. Both in the
 * same run, alternated call by call: the same statements, the baseline's predicate written so the planner
 * cannot prove the index's (coalesce), so it plans them as it did without the index.
 *
 *   npm run build && node dist/bench/latest-task-rows.js [--calls 300]
 *
 * Runs against DATABASE_URL (a new database there, dropped at the end) or an embedded Postgres.
 */
import { performance } from 'node:perf_hooks';
import { sql, type SQL } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { medianBaseline, ModelRegistry } from '../src/models/index.js';
import { upsertTasks, type TaskInsert } from '../src/services/capture/task-upsert.js';
import { LiveEstimateService } from '../src/services/live-estimates.js';
import { createOrganization } from '../src/services/organizations.js';
import { PoolService } from '../src/services/pools.js';
import { fmt, freshBenchDatabase, startBenchServer } from './support.js';

const at = process.argv.indexOf('--calls');
const calls = at > 0 ? Number(process.argv[at + 1]) : 300;
const T0 = Date.parse('2025-06-02T10:00:00Z');

const server = await startBenchServer('bench', 54349);
const { database, close } = await freshBenchDatabase(server, 'gct_bench_latest');
const db = database.db;
try {
  const orgId = (await createOrganization(db, { name: 'Bench', slug: 'bench-latest' })).organization.id;
  await new PoolService(db, orgId).declare({ name: 'nf-d4', region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED' });
  const live = new LiveEstimateService(db, orgId, new ModelRegistry().register(medianBaseline({ target: 'runtimeMs' })), loadConfig({}).estimation);
  const runIds: string[] = [];
  for (let r = 0; r < 3; r++) {
    const [{ id: runId }] = (await db.execute(sql`insert into runs (org_id, status) values (${orgId}, 'RUNNING') returning id::text as id`)) as unknown as { id: string }[];
    runIds.push(runId);
    const rows: TaskInsert[] = Array.from({ length: 10_000 }, (_, i) => ({
      orgId, runId, taskId: i + 1, attempt: 1, source: 'trace', status: 'COMPLETED', process: `P${i % 20}`, cpus: 2, memoryBytes: 4 * 1024 ** 3,
      submittedAt: new Date(T0), startedAt: new Date(T0 + 1000), completedAt: new Date(T0 + 61_000), realtimeMs: 60_000,
      pool: 'nf-d4', queue: 'nf-d4', vmSize: 'Standard_D4_v3', priority: 'DEDICATED',
    }));
    for (let i = 0; i < rows.length; i += 2000) await upsertTasks(db, rows.slice(i, i + 2000));
    for (let k = -1; k < 3; k++) {
      if (k >= 0) await db.execute(sql`update tasks set realtime_ms = realtime_ms + 1000 where org_id = ${orgId} and run_id = ${runId} and task_id % 100 = ${k}`);
      // one live figure per run per second: the last one moved back instead of waiting
      await db.execute(sql`update estimates set created_at = created_at - interval '2 seconds' where org_id = ${orgId} and run_id = ${runId} and kind = 'LIVE'`);
      const out = await live.reprice(runId);
      if (out.status !== 'stored') throw new Error(`re-price: ${out.status}`);
    }
  }
  await db.execute(sql`analyze estimates`);
  const runId = runIds[1];
  const superseding = (pred: SQL) => sql`select (s.features->>'supersedes')::uuid from estimates s
    where s.org_id = ${orgId} and s.run_id = ${runId} and s.kind = 'TASK' and ${pred}`;
  const spent = (pred: SQL) => sql`select coalesce(sum(e.value), 0)::text from estimates e
    where e.org_id = ${orgId} and e.run_id = ${runId} and e.kind = 'TASK' and e.id not in (${superseding(pred)})
      and not e.features ?| ${'{unpriced,notSpent}'}::text[]`;
  const indexed = sql`s.features->>'supersedes' is not null`;
  const unindexed = sql`coalesce(s.features->>'supersedes', null) is not null`;
  const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(`3 runs of 10,000 tasks, 300 superseding TASK rows each; median of ${calls} calls each, alternated:`);
  for (const [label, a, b] of [['superseding rows of a run', superseding(indexed), superseding(unindexed)], ['spent over latest rows', spent(indexed), spent(unindexed)]] as const) {
    const [ta, tb]: number[][] = [[], []];
    for (let i = 0; i < calls; i++) {
      for (const [q, out] of i % 2 ? ([[a, ta], [b, tb]] as const) : ([[b, tb], [a, ta]] as const)) {
        const t0 = performance.now();
        await db.execute(q);
        out.push(performance.now() - t0);
      }
    }
    console.log(`  ${label}: index ${fmt(median(ta), 3)} ms, baseline ${fmt(median(tb), 3)} ms, ratio ${fmt(median(ta) / median(tb), 2)}`);
  }
} finally {
  await close();
  await server.stop();
}
