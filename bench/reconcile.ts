/**
 * Reconciliation speed: 1,000,000 tasks against 100,000 hourly bill lines (20 pools × 5,000 hours),
 * task runtimes cycled from the largest shipped trace, the VM's size and price from the shipped Azure
 * Batch snapshot. Baselines measured in the same run, on the same data:
 *   - write floor: `insert … select` of the same allocation rows into a copy of the allocations table
 *     (same columns and indexes, no foreign keys): what storing the result costs at the least;
 *   - bare join: counting the (line, task) overlaps, per line an index range scan of its pool's tasks
 *     (bounded by the longest task), no split, no writes. (Left to the planner, the plain range join
 *     hash-joins on the pool and compares every line with every task of it: it had not finished after
 *     3 minutes at this size.)
 *   node dist/bench/reconcile.js [--tasks N] [--lines N]
 */
// before anything loads graphql-js: the server as it runs (see src/production-mode)
import '../src/production-mode.js';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { prices } from '../src/db/schema/index.js';
import { parseAzureBatchPrices } from '../src/ingest/prices/azure-batch-prices.js';
import { reconcile } from '../src/services/reconcile.js';
import { fixturePath } from '../test/support/fixtures.js';
import { fmt, startBenchApp } from './support.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const TASKS = arg('--tasks', 1_000_000);
const LINES = arg('--lines', 100_000);
const POOLS = 20;
const HOURS = Math.ceil(LINES / POOLS);
const RUNS = Math.max(1, Math.round(TASKS / 1000));
const VM = 'Standard_D16_v3';
const PRICE_FILE = 'BatchSupportedVmSizeInformation_2024-01-08.json';
const START = '2024-02-01T00:00:00Z';

// real runtimes: the realtime column of the largest shipped trace, in ms
const trace = readFileSync(fixturePath('nextflow-traces', 'openproblems', 'execution_trace_2022-05-15.txt'), 'utf8').trim().split('\n');
const header = trace[0].split('\t');
const toMs = (text: string) =>
  text.split(' ').reduce((ms, part) => {
    const n = parseFloat(part);
    if (part.endsWith('ms')) return ms + n;
    if (part.endsWith('s')) return ms + n * 1000;
    if (part.endsWith('m')) return ms + n * 60_000;
    if (part.endsWith('h')) return ms + n * 3_600_000;
    return ms;
  }, 0);
const runtimes = trace
  .slice(1)
  .map((l) => l.split('\t')[header.indexOf('realtime')])
  .filter((v) => v && v !== '-')
  .map((v) => Math.max(1000, Math.round(toMs(v))));

const env = await startBenchApp();
const { db, sql } = env.app.database;
const orgId = env.orgId;
const ms = (t0: number) => performance.now() - t0;
try {
  const parsed = parseAzureBatchPrices(readFileSync(fixturePath('azure-vm-prices', PRICE_FILE), 'utf8'), PRICE_FILE);
  await db.insert(prices).values(parsed.rows).onConflictDoNothing();
  const vm = parsed.rows.find((r) => r.vmSize === VM && r.priority === 'DEDICATED')!;

  // data: pools, runs, tasks spread evenly over the pools' hours, one bill line per pool-hour
  const g0 = performance.now();
  await sql`insert into pools (org_id, name, region, vm_size, priority, resource_id)
            select ${orgId}, 'pool-' || p, 'westeurope', ${VM}, 'DEDICATED', '/subscriptions/bench/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/b/pools/pool-' || p
            from generate_series(1, ${POOLS}) p`;
  await sql`insert into runs (org_id, status, currency) select ${orgId}, 'SUCCEEDED', 'USD' from generate_series(1, ${RUNS})`;
  const runIds = (await sql<{ id: string }[]>`select id from runs where org_id = ${orgId} order by id`).map((r) => r.id);
  await sql`
    insert into tasks (org_id, run_id, task_id, attempt, process, sample, cpus, memory_bytes, started_at, completed_at, realtime_ms, pool, source)
    select ${orgId}, (${runIds}::uuid[])[1 + (i / 1000)::int % ${RUNS}], i, 1, 'PROC_' || (i % 12), 'S' || (i % 96),
      (array[1, 2, 4, 8])[1 + i % 4], (array[2, 8, 16, 48])[1 + (i / 4) % 4]::bigint * 1073741824,
      s.started, s.started + rt.ms * interval '1 millisecond', rt.ms, 'pool-' || (1 + i % ${POOLS}), 'trace'
    from generate_series(1, ${TASKS}) i
    cross join lateral (select (${runtimes}::bigint[])[1 + i % ${runtimes.length}] as ms) rt
    cross join lateral (select ${START}::timestamptz + ((i::float8 / ${TASKS}) * ${HOURS - 1}) * interval '1 hour' as started) s`;
  // each run's times from its tasks, as capture records them: reconciliation decides which runs are billed in full from them
  await sql`
    update runs r set started_at = s.first, completed_at = s.last
    from (select run_id, min(started_at) as first, max(completed_at) as last from tasks where org_id = ${orgId} group by run_id) s
    where r.org_id = ${orgId} and r.id = s.run_id`;
  await sql`select cost_records_ensure_partitions(${START}, ${START}::timestamptz + ${HOURS} * interval '1 hour')`;
  await sql`
    insert into cost_records (org_id, provider, resource_id, service_name, charge_period_start, charge_period_end, billed_cost, currency,
      consumed_quantity, consumed_unit, source, row_hash)
    select ${orgId}, 'azure', '/subscriptions/bench/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/b/pools/pool-' || p, 'Azure Batch',
      ${START}::timestamptz + h * interval '1 hour', ${START}::timestamptz + (h + 1) * interval '1 hour',
      n.nodes * ${vm.pricePerHour}::numeric, 'USD', n.nodes, '1 Hour', 'file', md5(p || ':' || h)::uuid
    from generate_series(1, ${POOLS}) p, generate_series(0, ${HOURS - 1}) h
    cross join lateral (select 1 + (p + h) % 3 as nodes) n
    limit ${LINES}`;
  await sql`analyze`;
  const setupMs = ms(g0);

  console.log(`reconcile bench: ${TASKS.toLocaleString('en')} tasks, ${LINES.toLocaleString('en')} bill lines (${POOLS} pools × ${HOURS} h), ${RUNS} runs; setup ${fmt(setupMs / 1000)} s`);
  const options = { ...loadConfig({}).reconcile, trigger: 'bench' };
  const window = { from: new Date(START), to: new Date(new Date(START).getTime() + HOURS * 3_600_000) };
  const r0 = performance.now();
  const first = await reconcile(db, orgId, window, options);
  const firstMs = ms(r0);
  console.log(`  reconcile (first)       ${fmt(firstMs / 1000, 2)} s   ${fmt(first.taskAllocations / (firstMs / 1000), 0)} task allocations/s, ${fmt(TASKS / (firstMs / 1000), 0)} tasks/s, ${fmt(first.lines / (firstMs / 1000), 0)} lines/s`);
  const r1 = performance.now();
  const again = await reconcile(db, orgId, window, options);
  const againMs = ms(r1);
  const [{ rows: allocationRows }] = await sql<{ rows: number }[]>`select count(*)::int as rows from allocations where org_id = ${orgId}`;
  console.log(`  reconcile (re-run)      ${fmt(againMs / 1000, 2)} s   replaces ${allocationRows.toLocaleString('en')} allocation rows; ${again.runsUpdated} runs updated`);
  const [{ bad }] = await sql<{ bad: number }[]>`
    select count(*)::int as bad from cost_records c
    left join (select cost_row_hash, sum(amount) as s from allocations where org_id = ${orgId} group by 1) a on a.cost_row_hash = c.row_hash
    where c.org_id = ${orgId} and a.s is distinct from coalesce(c.effective_cost, c.billed_cost)`;
  console.log(`  lines whose allocations do not sum to their cost: ${bad}; totals ${JSON.stringify(first.totals)}`);

  // baseline 1: the write floor
  await sql`create table bench_allocations (like allocations including all)`;
  const b0 = performance.now();
  await sql`insert into bench_allocations (org_id, reconciliation_id, cost_row_hash, charge_period_start, kind, method, pool_id, run_id, task_id, share, hours, amount, currency)
            select org_id, reconciliation_id, cost_row_hash, charge_period_start, kind, method, pool_id, run_id, task_id, share, hours, amount, currency from allocations where org_id = ${orgId}`;
  const writeMs = ms(b0);
  console.log(`  baseline: write floor   ${fmt(writeMs / 1000, 2)} s   insert … select of the same ${allocationRows.toLocaleString('en')} rows   → reconcile = ${fmt(firstMs / writeMs, 2)}× the write floor`);

  // baseline 2: the bare join, no split, no writes: per line, an index range scan of its pool's tasks
  // (started before the line ends, at most the longest task before it starts), overlaps counted
  const j0 = performance.now();
  const [{ pairs }] = await sql<{ pairs: number }[]>`
    with longest as (select max(completed_at - started_at) as d from tasks where org_id = ${orgId})
    select sum(n.pairs)::int as pairs
    from cost_records c join pools p on p.org_id = c.org_id and p.resource_id = c.resource_id
    cross join longest
    cross join lateral (
      select count(*) as pairs from tasks t
      where t.org_id = c.org_id and t.pool = p.name and t.started_at < c.charge_period_end and t.started_at >= c.charge_period_start - longest.d
        and t.completed_at > c.charge_period_start) n
    where c.org_id = ${orgId}`;
  const joinMs = ms(j0);
  console.log(`  baseline: bare join     ${fmt(joinMs / 1000, 2)} s   ${pairs.toLocaleString('en')} (line, task) overlaps counted, no split (reconcile found ${first.taskAllocations.toLocaleString('en')}) → reconcile = ${fmt(firstMs / joinMs, 2)}× the bare join`);
} finally {
  await env.close();
}
