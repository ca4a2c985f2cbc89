/**
 * Cost explorer speed at scale (issue 7). Loads a year of one organization's bill, 10,000,000 cost
 * rows, and 1,000,000 tasks (2,000 runs over 20 projects and 8 pipelines, on 10 Batch pools),
 * reconciles it month by month with the real service (which also builds the daily rollup), adds
 * three allocation rules and rebuilds the rollup's cost centres under them (as the job a rule change
 * queues does), then times typical explorer queries two ways in the same run, interleaved:
 *   - GraphQL: `costBreakdown` (page + totals) over HTTP with an API key, through the real server;
 *   - raw:     the same statements (the explorer's SQL for that query: the rules when it groups by cost
 *              centre, the rollup's held days, then its page and its totals, issued together as the
 *              server issues them) through postgres.js, nothing else.
 * and prints p50/p95 of each and the p95 ratio (target ≤ 1.3×, and < 200 ms for a month by project
 * and day). For the first query it also times the same SQL with the rollup bypassed (every day read
 * from the detail), inside a transaction that is rolled back.
 *
 * The bill: every pool billed hourly (its nodes' listed price), plus one line per day for each other
 * resource (storage, disks, network, VMs outside Batch, monitoring) across 40 resource groups and 3
 * regions, two thirds tagged with a team and a project.
 *
 *   npm run build && node dist/bench/explorer.js [--rows 10000000] [--tasks 1000000] [--iterations 30] [--explain] [--keep NAME] [--only TEXT]
 *
 * `--keep NAME` keeps the database after the run and, when it already holds the data, skips building it
 * (the sizes given must then be those it was built with: they are not checked).
 *
 * Runs against DATABASE_URL (a new database there, dropped at the end) or an embedded Postgres.
 */
// before anything loads graphql-js: the server as it runs (see src/production-mode)
import '../src/production-mode.js';
import { performance } from 'node:perf_hooks';
import { sql as dsql, type SQL } from 'drizzle-orm';
import { loadConfig } from '../src/config.js';
import { CostExplorerService, type BreakdownQuery } from '../src/services/cost-explorer.js';
import { heldDaysQuery, rebuildStaleCostCentres } from '../src/services/cost-rollup.js';
import { AllocationRuleService, rulesFingerprint, rulesOf } from '../src/services/allocation-rules.js';
import { reconcile } from '../src/services/reconcile.js';
import { fmt, percentile, startBenchApp } from './support.js';

const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const ROWS = arg('--rows', 10_000_000);
const TASKS = arg('--tasks', 1_000_000);
const ITERATIONS = arg('--iterations', 30);
/** Print each query's plan (explain analyze) before timing it. */
const EXPLAIN = process.argv.includes('--explain');
/** Keep the database under this name after the run, and reuse its data if it is already there (building 10M rows takes minutes). */
const KEEP = (() => {
  const at = process.argv.indexOf('--keep');
  return at > 0 ? process.argv[at + 1] : undefined;
})();
/** Time only the queries whose name contains this text (the setup and the checks still run). */
const ONLY = (() => {
  const at = process.argv.indexOf('--only');
  return at > 0 ? process.argv[at + 1] : undefined;
})();
const WARMUP = 3;
const PAGE = 500;
const POOLS = 10;
const PROJECTS = 20;
const PIPELINES = 8;
const TASKS_PER_RUN = 500;
const RUNS = Math.max(1, Math.round(TASKS / TASKS_PER_RUN));
const YEAR = 2025;
const START = `${YEAR}-01-01T00:00:00Z`;
const END = `${YEAR + 1}-01-01T00:00:00Z`;
const DAYS = 365;
const POOL_LINES = POOLS * DAYS * 24;
const RESOURCES = Math.max(1, Math.ceil((ROWS - POOL_LINES) / DAYS));
const POOL_PREFIX = '/subscriptions/bench/resourceGroups/rg-batch/providers/Microsoft.Batch/batchAccounts/lab/pools/pool-';
const month = (m: number) => `${YEAR}-${String(m).padStart(2, '0')}-01T00:00:00Z`;

const env = await startBenchApp({ keep: KEEP });
const { db, sql } = env.app.database;
const orgId = env.orgId;
const secs = (t0: number) => fmt((performance.now() - t0) / 1000);

try {
  console.log(`explorer bench: ${ROWS.toLocaleString('en')} cost rows (${POOL_LINES.toLocaleString('en')} hourly pool lines + ${RESOURCES.toLocaleString('en')} resources × ${DAYS} days), ${TASKS.toLocaleString('en')} tasks in ${RUNS.toLocaleString('en')} runs, year ${YEAR}`);

  if (env.reused) console.log(`  reusing the data kept in database ${KEEP}`);
  else {
    // 1. the workflow side
    const g0 = performance.now();
    await sql`insert into projects (org_id, code, name) select ${orgId}, 'P' || lpad(i::text, 2, '0'), 'Project ' || i from generate_series(1, ${PROJECTS}) i`;
    await sql`insert into pipelines (org_id, name, revision) select ${orgId}, 'nf-core/pipeline-' || i, '1.0' from generate_series(1, ${PIPELINES}) i`;
    await sql`insert into pools (org_id, name, region, vm_size, priority, resource_id)
              select ${orgId}, 'pool-' || p, 'westeurope', 'Standard_E8_v3', 'DEDICATED', ${POOL_PREFIX} || p from generate_series(1, ${POOLS}) p`;
    // run i starts at an even spread over the year, runs 10 hours; its tasks start within its first 9
    await sql`
      insert into runs (org_id, project_id, pipeline_id, status, run_name, started_at, completed_at, sample_count, input_bytes, estimated_cost, currency, task_count)
      select ${orgId}, pr.id, pp.id, 'SUCCEEDED', 'bench-' || i, s.at, s.at + interval '10 hours', 24, 24 * 8000000000::bigint, 40 + i % 17, 'USD', ${TASKS_PER_RUN}
      from generate_series(0, ${RUNS - 1}) i
      cross join lateral (select ${START}::timestamptz + (i::float8 / ${RUNS}) * ${DAYS} * interval '1 day' - interval '12 hours' * (i % 2) as at) s
      join projects pr on pr.org_id = ${orgId} and pr.code = 'P' || lpad((1 + i % ${PROJECTS})::text, 2, '0')
      join pipelines pp on pp.org_id = ${orgId} and pp.name = 'nf-core/pipeline-' || (1 + i % ${PIPELINES})`;
    await sql`
      insert into tasks (org_id, run_id, task_id, attempt, process, sample, cpus, memory_bytes, started_at, completed_at, realtime_ms, pool, status, source)
      select ${orgId}, r.id, j, 1, 'PROC_' || (j % 12), 'S' || lpad((j % 24)::text, 2, '0'), (array[1, 2, 4, 8])[1 + j % 4],
             (array[2, 8, 16, 32])[1 + (j / 4) % 4]::bigint * 1073741824, t.at, t.at + t.ms * interval '1 millisecond', t.ms,
             'pool-' || (1 + (r.n + j) % ${POOLS}), 'COMPLETED', 'trace'
      from (select id, started_at, row_number() over (order by started_at, id) as n from runs where org_id = ${orgId}) r
      cross join generate_series(1, ${TASKS_PER_RUN}) j
      cross join lateral (select r.started_at + (j::float8 / ${TASKS_PER_RUN}) * interval '9 hours' as at, (60000 + (j * 7919) % 3000000)::int as ms) t`;
    console.log(`  workflow side: ${RUNS} runs, ${TASKS.toLocaleString('en')} tasks in ${secs(g0)} s`);

    // 2. the bill, a month at a time
    const b0 = performance.now();
    await sql`select cost_records_ensure_partitions(${START}, ${month(12)})`;
    for (let m = 1; m <= 12; m++) {
      const [from, to] = [month(m), m === 12 ? END : month(m + 1)];
      await sql`
        insert into cost_records (org_id, provider, sub_account_id, resource_id, resource_group, resource_type, service_name, region_id, charge_period_start,
          charge_period_end, billed_cost, effective_cost, currency, consumed_quantity, consumed_unit, tags, source, row_hash)
        select ${orgId}, 'azure', 'sub-bench', ${POOL_PREFIX} || p, 'rg-batch', 'microsoft.batch/batchaccounts/pools', 'Azure Batch', 'westeurope',
               h, h + interval '1 hour', n.nodes * 0.504, n.nodes * 0.504, 'USD', n.nodes, '1 Hour', '{"team": "genomics"}', 'file', md5('pool:' || p || ':' || h)::uuid
        from generate_series(1, ${POOLS}) p, generate_series(${from}::timestamptz, ${to}::timestamptz - interval '1 hour', interval '1 hour') h
        cross join lateral (select 2 + (p + extract(hour from h)::int) % 3 as nodes) n`;
      await sql`
        insert into cost_records (org_id, provider, sub_account_id, resource_id, resource_group, resource_type, service_name, region_id, charge_period_start,
          charge_period_end, billed_cost, effective_cost, currency, consumed_quantity, consumed_unit, tags, sku_id, source, row_hash)
        select ${orgId}, 'azure', 'sub-bench',
               '/subscriptions/bench/resourceGroups/rg-' || (r % 40) || '/providers/' || s.type || '/res-' || r, 'rg-' || (r % 40), s.type, s.service,
               (array['westeurope', 'northeurope', 'eastus'])[1 + r % 3], d, d + interval '1 day',
               round((0.05 + (r % 97) * 0.013)::numeric * (1 + 0.1 * sin(extract(doy from d))::numeric), 6), null, 'USD', 1 + r % 5, s.unit,
               case when r % 3 = 0 then '{}'::jsonb else jsonb_build_object('team', (array['genomics', 'imaging', 'core', 'ml', 'clinical'])[1 + r % 5],
                                                                             'project', 'P' || lpad((1 + r % ${PROJECTS})::text, 2, '0')) end,
               'sku-' || (r % 50), 'file', md5('res:' || r || ':' || d)::uuid
        from generate_series(${from}::timestamptz, ${to}::timestamptz - interval '1 day', interval '1 day') d, generate_series(1, ${RESOURCES}) r
        cross join lateral (select (array['Storage', 'Managed Disks', 'Bandwidth', 'Virtual Machines', 'Log Analytics', 'Key Vault'])[1 + r % 6] as service,
                                   (array['Microsoft.Storage/storageAccounts', 'Microsoft.Compute/disks', 'Microsoft.Network/natGateways',
                                          'Microsoft.Compute/virtualMachines', 'Microsoft.OperationalInsights/workspaces', 'Microsoft.KeyVault/vaults'])[1 + r % 6] as type,
                                   (array['1 GB/Month', '1/Month', '1 GB', '1 Hour', '1 GB', '10K'])[1 + r % 6] as unit) s`;
    }
    const [{ rows }] = await sql<{ rows: number }[]>`select count(*)::int as rows from cost_records where org_id = ${orgId}`;
    console.log(`  bill: ${rows.toLocaleString('en')} cost rows in ${secs(b0)} s`);
    await sql`analyze`;

    // 3. reconciliation, a month at a time (it also rebuilds the month's daily rollup)
    const options = { ...loadConfig({}).reconcile, trigger: 'bench' };
    const r0 = performance.now();
    for (let m = 1; m <= 12; m++) {
      const t0 = performance.now();
      const rec = await reconcile(db, orgId, { from: new Date(month(m)), to: new Date(m === 12 ? END : month(m + 1)) }, options);
      if (m === 1 || m === 12) console.log(`  reconcile ${month(m).slice(0, 7)}: ${rec.lines.toLocaleString('en')} lines, ${rec.taskAllocations.toLocaleString('en')} task allocations in ${secs(t0)} s`);
    }
    const [{ allocations, daily }] = await sql<{ allocations: number; daily: number }[]>`
      select (select count(*) from allocations where org_id = ${orgId})::int as allocations, (select count(*) from cost_daily where org_id = ${orgId})::int as daily`;
    console.log(`  reconciled the year in ${secs(r0)} s: ${allocations.toLocaleString('en')} allocations; rollup ${daily.toLocaleString('en')} rows`);
    await sql`analyze`;

    const rules = new AllocationRuleService(db, orgId);
    await rules.create({ name: 'core storage', priority: 1, costCentre: 'Core facility', match: { tags: { team: 'core' } } });
    await rules.create({ name: 'network', priority: 2, costCentre: 'Networking', match: { service: 'Bandwidth' } });
    await rules.create({ name: 'imaging rg', priority: 3, costCentre: 'Imaging', match: { resourceGroup: 'rg-1*' } });
  }
  // what the job queued by a rule change does: the rollup's cost centres under the rules just saved
  const c0 = performance.now();
  const rebuilt = await rebuildStaleCostCentres(db, orgId);
  if (rebuilt > 0) {
    await sql`analyze cost_daily`;
    console.log(`  cost centres: ${rebuilt} days of the rollup rebuilt under the new rules in ${secs(c0)} s`);
  }

  // 4. the queries
  const june = { from: new Date(month(6)), to: new Date(month(7)) };
  const queries: { name: string; q: BreakdownQuery }[] = [
    { name: 'month by project and day', q: { filter: june, groupBy: [{ dimension: 'PROJECT' }], granularity: 'DAY', metric: 'ACTUAL' } },
    { name: 'month by service', q: { filter: june, groupBy: [{ dimension: 'SERVICE' }], granularity: null, metric: 'ACTUAL' } },
    { name: 'month by process, actual and estimate', q: { filter: june, groupBy: [{ dimension: 'PROCESS' }], granularity: null, metric: 'BOTH' } },
    { name: 'month by tag team and resource group', q: { filter: june, groupBy: [{ dimension: 'TAG', tagKey: 'team' }, { dimension: 'RESOURCE_GROUP' }], granularity: null, metric: 'ACTUAL' } },
    { name: 'month by cost centre', q: { filter: june, groupBy: [{ dimension: 'COST_CENTRE' }], granularity: null, metric: 'ACTUAL' } },
    { name: 'month by run (first 500)', q: { filter: june, groupBy: [{ dimension: 'RUN' }], granularity: null, metric: 'ACTUAL' } },
    { name: 'quarter by pipeline and week', q: { filter: { from: new Date(month(4)), to: new Date(month(7)) }, groupBy: [{ dimension: 'PIPELINE' }], granularity: 'WEEK', metric: 'ACTUAL' } },
    { name: 'year by project and month', q: { filter: { from: new Date(START), to: new Date(END) }, groupBy: [{ dimension: 'PROJECT' }], granularity: 'MONTH', metric: 'ACTUAL' } },
  ];
  const GQL = `query($filter: BreakdownFilterInput!, $groupBy: [BreakdownGroupByInput!], $granularity: Granularity, $metric: CostMetric, $first: Int) {
    costBreakdown(filter: $filter, groupBy: $groupBy, granularity: $granularity, metric: $metric, first: $first) {
      edges { node { period keys { dimension tagKey value } actual { amount currency } estimate { amount } previousActual { amount } runs samples costPerRun { amount } costPerSample { amount } } }
      pageInfo { hasNextPage endCursor }
      totals { actual { amount currency } estimate { amount } previousActual { amount } }
    }
  }`;
  const explorer = new CostExplorerService(db, orgId, PAGE);
  const dialect = (db as unknown as { dialect: { sqlToQuery(s: SQL): { sql: string; params: unknown[] } } }).dialect;
  const compile = (s: SQL) => dialect.sqlToQuery(s);

  const graphql = async (q: BreakdownQuery): Promise<number> => {
    const res = await fetch(`${env.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${env.analystKey}` },
      body: JSON.stringify({
        query: GQL,
        variables: {
          filter: { from: q.filter.from.toISOString(), to: q.filter.to.toISOString() },
          groupBy: q.groupBy.map((g) => (g.dimension === 'TAG' ? { dimension: 'TAG', tagKey: g.tagKey } : { dimension: g.dimension })),
          granularity: q.granularity,
          metric: q.metric,
          first: PAGE,
        },
      }),
    });
    const body = (await res.json()) as { data?: { costBreakdown: { edges: unknown[] } }; errors?: unknown };
    if (body.errors || !body.data) throw new Error(`GraphQL: ${JSON.stringify(body.errors)}`);
    return body.data.costBreakdown.edges.length;
  };

  // the floor under every GraphQL request: HTTP, authentication, parsing and validation, no resolver work
  const floor: number[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++) {
    const t0 = performance.now();
    const res = await fetch(`${env.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${env.analystKey}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    await res.json();
    if (i >= WARMUP) floor.push(performance.now() - t0);
  }
  floor.sort((a, b) => a - b);
  console.log(`\n  GraphQL floor ({ __typename } with an API key): p50 ${fmt(percentile(floor, 50))} ms, p95 ${fmt(percentile(floor, 95))} ms`);

  console.log(`\n  ${'query'.padEnd(40)} ${'groups'.padStart(6)}   ${'raw p50'.padStart(8)} ${'raw p95'.padStart(8)}   ${'gql p50'.padStart(8)} ${'gql p95'.padStart(8)}   p95 gql/raw`);
  const ratios: number[] = [];
  for (const { name, q } of queries) {
    if (ONLY !== undefined && !name.includes(ONLY)) continue;
    // the statements the resolvers run for this request: the page, then the totals
    const page = compile(dsql`${await explorer.query(q)} limit ${PAGE + 1} offset ${0}`);
    const totals = compile(await explorer.query({ ...q, groupBy: [], granularity: null }));
    // what the explorer reads before it can write those: the rules (for cost centres), then which days
    // of the window and the one before it the rollup holds
    const costCentres = q.groupBy.some((g) => g.dimension === 'COST_CENTRE');
    const previousFrom = new Date(2 * q.filter.from.getTime() - q.filter.to.getTime());
    const rulesSql = `select * from allocation_rules where org_id = $1 order by priority`;
    const hash = costCentres ? rulesFingerprint(await rulesOf(db, orgId)) : undefined;
    const held = compile(heldDaysQuery(orgId, previousFrom, q.filter.to, hash));
    // then both at once, on two connections of the pool, as the server runs them when a request asks for totals
    const raw = async () => {
      if (costCentres) await sql.unsafe(rulesSql, [orgId]);
      await sql.unsafe(held.sql, held.params as never[]);
      const [rows] = await Promise.all([sql.unsafe(page.sql, page.params as never[]), sql.unsafe(totals.sql, totals.params as never[])]);
      return Math.min(rows.length, PAGE);
    };
    if (EXPLAIN) {
      const plan = await sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain (analyze, buffers) ${page.sql}`, page.params as never[]);
      console.log(`\n${name}:\n${plan.map((l) => l['QUERY PLAN']).join('\n')}\n`);
    }
    const times = { raw: [] as number[], gql: [] as number[] };
    let groups = 0;
    // slow queries get fewer rounds: about a minute each, at least 5
    let rounds = WARMUP + ITERATIONS;
    for (let i = 0; i < rounds; i++) {
      if (i === WARMUP) rounds = WARMUP + Math.max(5, Math.min(ITERATIONS, Math.floor(60_000 / Math.max(1, ...times.raw, ...times.gql))));
      // interleaved, alternating which goes first, so both see the same machine
      for (const which of i % 2 ? (['gql', 'raw'] as const) : (['raw', 'gql'] as const)) {
        const t0 = performance.now();
        const n = which === 'raw' ? await raw() : await graphql(q);
        const ms = performance.now() - t0;
        times[which].push(ms);
        if (which === 'gql') groups = n;
        else if (n !== groups && i > 0) throw new Error(`${name}: raw SQL gave ${n} groups, GraphQL ${groups}`);
      }
    }
    const [r, g] = [times.raw.slice(WARMUP).sort((a, b) => a - b), times.gql.slice(WARMUP).sort((a, b) => a - b)];
    const ratio = percentile(g, 95) / percentile(r, 95);
    ratios.push(ratio);
    console.log(`  ${name.padEnd(40)} ${String(groups).padStart(6)}   ${fmt(percentile(r, 50)).padStart(6)}ms ${fmt(percentile(r, 95)).padStart(6)}ms   ${fmt(percentile(g, 50)).padStart(6)}ms ${fmt(percentile(g, 95)).padStart(6)}ms   ${fmt(ratio, 2)}×   (${r.length} rounds)`);
  }
  console.log(`\n  worst p95 ratio ${fmt(Math.max(...ratios), 2)}× (target ≤ 1.3×)`);

  // the first query with the rollup bypassed: the same month shifted by a millisecond, which whole days cannot serve
  const first = queries[0].q;
  const shifted = { ...first, filter: { from: new Date(first.filter.from.getTime() + 1), to: new Date(first.filter.to.getTime() + 1) } };
  const detail = compile(dsql`${await explorer.query(shifted)} limit ${PAGE + 1} offset ${0}`);
  const detailTimes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await sql.unsafe(detail.sql, detail.params as never[]);
    detailTimes.push(performance.now() - t0);
  }
  console.log(`  ${queries[0].name}, rollup bypassed (window shifted by 1 ms, all detail): ${detailTimes.map((t) => `${fmt(t, 0)} ms`).join(', ')}`);

  // the explorer's year total equals the bill's, summed independently
  const [explorerTotal] = await explorer.totals({ filter: { from: new Date(START), to: new Date(END) }, groupBy: [], granularity: null, metric: 'ACTUAL' });
  const [{ bill, equal }] = await sql<{ bill: string; equal: boolean }[]>`
    select sum(coalesce(effective_cost, billed_cost))::text as bill, sum(coalesce(effective_cost, billed_cost)) = ${explorerTotal.actual}::numeric as equal
    from cost_records where org_id = ${orgId}`;
  console.log(`  year total: explorer ${explorerTotal.actual} USD, bill ${bill} USD: ${equal ? 'equal' : 'DIFFERENT'}`);
} finally {
  await env.close();
}
