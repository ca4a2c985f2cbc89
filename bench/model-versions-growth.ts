/**
 * What retraining stores: the three shipped openproblems traces as one pipeline's history, the
 * built-in models, then `--rounds` retrains (the nightly one and one after each reconciliation, every
 * one of them on the same history when no run finished in between), then one more after a new run.
 * Prints, per round, the versions it stored, the model_versions table's size and the round's time;
 * the first round is the baseline the others are compared with.
 *   node dist/bench/model-versions-growth.js [--rounds N]
 */
import '../src/production-mode.js';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { loadConfig } from '../src/config.js';
import { builtinRegistry } from '../src/models/builtins.js';
import { importTrace } from '../src/services/capture/trace-import.js';
import { ModelService } from '../src/services/model-versions.js';
import { createOrganization } from '../src/services/organizations.js';
import { RunService } from '../src/services/runs.js';
import { importTraceHistory } from '../test/support/history.js';
import { traceFixture, TRACE_FILES } from '../test/ingest/nextflow/helpers.js';
import { fmt, freshBenchDatabase, startBenchServer } from './support.js';

const at = process.argv.indexOf('--rounds');
const ROUNDS = at > 0 ? Number(process.argv[at + 1]) : 6;

const server = await startBenchServer('bench', 54349);
const { database, close } = await freshBenchDatabase(server, 'gct_bench_versions');
try {
  const { db, sql } = database;
  const { organization } = await createOrganization(db, { name: 'Bench', slug: 'bench' });
  await importTraceHistory(db, organization.id);
  const models = new ModelService(db, organization.id, builtinRegistry(), loadConfig({}).estimation);
  const size = async () => {
    const [r] = await sql<{ rows: number; table: string; state: string | null }[]>`
      select count(*)::int as rows, pg_total_relation_size('model_versions')::bigint as table,
             sum(pg_column_size(state))::bigint as state
      from model_versions`;
    return { rows: r.rows, mb: Number(r.table) / 2 ** 20, stateMb: Number(r.state ?? 0) / 2 ** 20 };
  };
  const round = async (label: string) => {
    const t0 = performance.now();
    const report = await models.retrain();
    const ms = performance.now() - t0;
    const s = await size();
    console.log(`${label.padEnd(26)} stored ${String(report.versions).padStart(4)} versions  ${fmt(ms / 1000, 2).padStart(6)} s   table: ${String(s.rows).padStart(5)} rows ${fmt(s.mb, 2).padStart(7)} MiB (states ${fmt(s.stateMb, 2)} MiB)`);
    return ms;
  };
  console.log(`model_versions growth: ${ROUNDS} retrains of one history (3 openproblems runs), then a new run`);
  const first = await round('round 1 (baseline)');
  let rest = 0;
  for (let i = 2; i <= ROUNDS; i++) rest += await round(`round ${i} (same history)`);
  // one more finished run: the history changed, so every scope is fitted again
  const run = await new RunService(db, organization.id, 500).register({ projectCode: 'HIST-openproblems', pipeline: 'openproblems', revision: '1.0', sampleCount: 4 });
  await importTrace(db, organization.id, Readable.from([traceFixture(TRACE_FILES[0])]), loadConfig({}).capture, { runId: run.id, fileName: 'again.txt' });
  await sql`update tasks set vm_size = 'Standard_D4_v3', priority = 'DEDICATED', cpus = coalesce(cpus, 1) where org_id = ${organization.id} and run_id = ${run.id}`;
  await round('after a new run');
  if (ROUNDS > 1) console.log(`same-history round / first round: ${fmt(rest / (ROUNDS - 1) / first, 3)}× the time`);
} finally {
  await close();
  await server.stop();
}
