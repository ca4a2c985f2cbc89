import { createReadStream } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { budgets } from '../db/schema/index.js';
import { detectAnomalies } from './anomalies.js';
import { evaluateBudgets } from './budget-evaluation.js';
import { BudgetService } from './budgets.js';
import { importTrace } from './capture/trace-import.js';
import { PoolService } from './pools.js';
import { ProjectService } from './projects.js';
import { reconcile } from './reconcile.js';
import { lockCostWritesSql } from './cost-write-lock.js';
import { RecommendationService } from './recommendations.js';

const TRACE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../data/demo/execution_trace_2022-05-13.txt');
const POOL = 'demo-e8';
const POOL_RESOURCE = '/subscriptions/00000000-0000-0000-0000-00000000de00/resourceGroups/demo-genomics/providers/Microsoft.Batch/batchAccounts/demo/pools/demo-e8';
const PROJECTS = [
  { code: 'DEMO-ATAC', name: 'Demo: ATAC-seq panel' },
  { code: 'DEMO-SC', name: 'Demo: single-cell atlas' },
];
const RUNS = 6;
const DEMO = { demo: 'true' };

export interface DemoReport {
  month: string;
  runs: number;
  tasks: number;
  billLines: number;
  billed: { currency: string; amount: string }[];
  /** Raised by this load (0 when an earlier load already raised them: alerts are raised once). */
  budgetAlerts: number;
  anomalies: number;
  recommendations: number;
}

/**
 * Fills an organization with a realistic month, clearly marked as demo (label / tag `demo=true`,
 * `source = 'demo'`, names starting "Demo"): six runs shaped like a real Nextflow trace on a demo
 * Azure Batch pool, a bill built around them (three nodes billed while runs are up, so there is idle
 * time; shared storage and networking no task explains; one storage spike), reconciled; a budget near
 * its 80% threshold; anomaly detection and recommendations. Running it again replaces the demo data.
 */
export async function loadDemo(db: Db, orgId: string, config: Config, now = new Date()): Promise<DemoReport> {
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  // a month of history needs days: early in a month, the demo fills the previous one
  const from = today.getTime() - monthStart.getTime() < 10 * 86_400_000 ? new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)) : monthStart;
  const days = Math.round((today.getTime() - from.getTime()) / 86_400_000);

  await removeDemo(db, orgId);
  await new PoolService(db, orgId).declare({ name: POOL, region: 'westeurope', vmSize: 'Standard_E8_v3', priority: 'DEDICATED', resourceId: POOL_RESOURCE });
  const projects = new ProjectService(db, orgId);
  const existing = new Set((await projects.list()).map((p) => p.code));
  for (const p of PROJECTS) if (!existing.has(p.code)) await projects.create(p);

  let tasks = 0;
  for (let i = 0; i < RUNS; i++) {
    const report = await importTrace(db, orgId, createReadStream(TRACE), config.capture, {
      projectCode: PROJECTS[i % PROJECTS.length].code, runName: `demo-run-${i + 1}`, timeZone: 'UTC', fileName: 'demo trace',
      // one real trace makes every demo run (its times shifted below): each import is a new run
      newRunForRepeat: true,
    });
    tasks += report.tasksCreated;
    // run i starts on an evenly spaced day at 08:00; tasks keep their real offsets and durations
    const start = new Date(from.getTime() + Math.floor(((i + 0.5) * days) / RUNS) * 86_400_000 + 8 * 3_600_000);
    await db.execute(sql`
      with shift as (select ${start.toISOString()}::timestamptz - min(submitted_at) as by from tasks where org_id = ${orgId} and run_id = ${report.runId})
      update tasks t set pool = ${POOL}, vm_size = 'Standard_E8_v3', priority = 'DEDICATED',
        cpus = case when t.process like '%run_method%' then 4 else 2 end,
        -- one process asks for far more memory than it uses: the demo's rightsizing recommendation
        memory_bytes = case when t.process like '%run_metric%' then 16 else 4 end * 1024::bigint * 1024 * 1024,
        submitted_at = t.submitted_at + s.by,
        started_at = t.submitted_at + s.by + greatest(coalesce(t.duration_ms, 0) - coalesce(t.realtime_ms, 0), 0) * interval '1 millisecond',
        completed_at = t.submitted_at + s.by + coalesce(t.duration_ms, 0) * interval '1 millisecond'
      from shift s where t.org_id = ${orgId} and t.run_id = ${report.runId}`);
    await db.execute(sql`
      update runs r set labels = r.labels || ${JSON.stringify(DEMO)}::jsonb, status = 'SUCCEEDED',
        submitted_at = t.first, started_at = t.first, completed_at = t.last, sample_count = t.samples,
        input_bytes = t.samples * 12000000000::bigint, region = 'westeurope'
      from (select min(started_at) as first, max(completed_at) as last, count(distinct sample)::int as samples
            from tasks where org_id = ${orgId} and run_id = ${report.runId}) t
      where r.org_id = ${orgId} and r.id = ${report.runId}`);
  }

  const spike = new Date(today.getTime() - 2 * 86_400_000);
  // the bill, written as every bill write is: in turn with the organization's loads and rollup rebuilds
  await db.transaction(async (tx) => {
    await tx.execute(lockCostWritesSql(orgId));
    await tx.execute(sql`select cost_records_ensure_partitions(${from.toISOString()}::timestamptz, ${today.toISOString()}::timestamptz + interval '1 day')`);
    // the bill: three E8_v3 nodes every hour a demo run is up (plus an hour of scale-down), at the list price
    await tx.execute(sql`
      insert into cost_records (org_id, provider, sub_account_id, resource_id, resource_group, resource_type, service_name, region_id,
        charge_period_start, charge_period_end, billed_cost, effective_cost, currency, consumed_quantity, consumed_unit, tags, source, row_hash)
      select ${orgId}, 'azure', '00000000-0000-0000-0000-00000000de00', ${POOL_RESOURCE}, 'demo-genomics', 'microsoft.batch/batchaccounts/pools',
        'Azure Batch', 'westeurope', h, h + interval '1 hour', 3 * p.price_per_hour, 3 * p.price_per_hour, p.currency, 3, '1 Hour',
        ${JSON.stringify(DEMO)}::jsonb, 'demo', md5('demo:pool:' || h::text)::uuid
      from (select distinct generate_series(date_trunc('hour', r.started_at), r.completed_at + interval '1 hour', interval '1 hour') as h
            from runs r where r.org_id = ${orgId} and r.labels @> ${JSON.stringify(DEMO)}::jsonb) hours,
        lateral (select price_per_hour, currency from prices where provider = 'azure' and vm_size = 'Standard_E8_v3' and priority = 'DEDICATED'
                 order by effective_from desc limit 1) p`);
    // shared reference storage and networking, every day; one day's storage spikes (the demo anomaly)
    await tx.execute(sql`
      insert into cost_records (org_id, provider, sub_account_id, resource_id, resource_group, service_name, region_id,
        charge_period_start, charge_period_end, billed_cost, effective_cost, currency, tags, source, row_hash)
      select ${orgId}, 'azure', '00000000-0000-0000-0000-00000000de00', r.id, r.rg, r.service, 'westeurope', d, d + interval '1 day',
        r.cost * case when r.service = 'Storage' and d = ${spike.toISOString()}::timestamptz then 9 else 1 end
          * (1 + 0.04 * sin(extract(doy from d))),
        null, 'USD', r.tags, 'demo', md5('demo:' || r.service || ':' || d::text)::uuid
      from generate_series(${from.toISOString()}::timestamptz, ${today.toISOString()}::timestamptz - interval '1 day', interval '1 day') d,
        (values ('/subscriptions/00000000-0000-0000-0000-00000000de00/resourceGroups/demo-shared/providers/Microsoft.Storage/storageAccounts/demorefs',
                 'demo-shared', 'Storage', 2.40::numeric, '{"demo": "true", "team": "core"}'::jsonb),
                ('/subscriptions/00000000-0000-0000-0000-00000000de00/resourceGroups/demo-network/providers/Microsoft.Network/natGateways/demo-nat',
                 'demo-network', 'Bandwidth', 0.30::numeric, '{"demo": "true"}'::jsonb)) r(id, rg, service, cost, tags)`);
  });

  await reconcile(db, orgId, { from, to: new Date(today.getTime() + 86_400_000) }, { ...config.reconcile, trigger: 'demo' });

  const totals = (await db.execute(sql`
    select currency, sum(coalesce(effective_cost, billed_cost))::text as amount, count(*)::int as n
    from cost_records where org_id = ${orgId} and source = 'demo' group by currency order by currency`)) as unknown as { currency: string; amount: string; n: number }[];
  const month = from.toISOString().slice(0, 7);
  const monthEnd = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
  const monthSpend = (await db.execute(sql`
    select coalesce(sum(coalesce(effective_cost, billed_cost)), 0)::float8 as s from cost_records
    where org_id = ${orgId} and charge_period_start >= ${from.toISOString()}::timestamptz
      and charge_period_start < ${monthEnd.toISOString()}::timestamptz`)) as unknown as { s: number }[];
  // a budget the demo month's spend has just passed 80% of: a monthly one would measure the current month, which
  // holds no bill yet when the demo filled the month before, so that month gets a budget of its own
  const period = from < monthStart ? { period: 'CUSTOM' as const, startsAt: from, endsAt: monthEnd } : { period: 'MONTH' as const };
  await new BudgetService(db, orgId).create({
    name: 'Demo: monthly lab budget', scope: { kind: 'ORGANIZATION' }, ...period,
    amount: Math.max(1, Math.ceil(monthSpend[0].s / 0.84)).toFixed(2), currency: 'USD',
    thresholds: [{ percent: 80, basis: 'ACTUAL' }, { percent: 100, basis: 'FORECAST' }],
  });
  const evaluation = await evaluateBudgets(db, orgId, { at: now });
  const detected = await detectAnomalies(db, orgId, config.anomalies, { day: spike.toISOString().slice(0, 10) });
  const recs = await new RecommendationService(db, orgId, config.maxPageSize, config.recommendations.fxRates).refresh(config.recommendations, now);
  return {
    month,
    runs: RUNS,
    tasks,
    billLines: [...totals].reduce((n, t) => n + t.n, 0),
    billed: [...totals].map((t) => ({ currency: t.currency.trim(), amount: t.amount })),
    budgetAlerts: evaluation.raised.length,
    anomalies: detected.found.length,
    recommendations: recs.found,
  };
}

/** Everything an earlier demo load wrote, and nothing else. */
async function removeDemo(db: Db, orgId: string): Promise<void> {
  await db.transaction(async (tx) => {
    // the days held in the explorer's rollup that these lines were part of are read from the detail again
    await tx.execute(sql`delete from cost_daily_days where org_id = ${orgId} and day in (
      select distinct (charge_period_start at time zone 'UTC')::date from cost_records where org_id = ${orgId} and source = 'demo')`);
    await tx.execute(sql`delete from allocations where org_id = ${orgId} and (charge_period_start, cost_row_hash) in (
      select charge_period_start, row_hash from cost_records where org_id = ${orgId} and source = 'demo')`);
    await tx.execute(sql`delete from cost_records where org_id = ${orgId} and source = 'demo'`);
    await tx.execute(sql`delete from runs where org_id = ${orgId} and labels @> ${JSON.stringify(DEMO)}::jsonb`);
    await tx.execute(sql`delete from ${budgets} where org_id = ${orgId} and name like 'Demo:%'`);
  });
}
