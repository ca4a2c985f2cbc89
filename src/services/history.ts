/**
 * Training history: what past completed tasks of an organization looked like before they ran
 * (features) and what they turned out to need (runtime, peak memory, price-sheet cost). One SQL
 * query; costs are computed in SQL numeric with the same rule and fallbacks as PriceService.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { Features, ModelTarget, TrainingSample } from '../models/index.js';
import { fxRateSql, NO_FX_RATES, type FxRates } from './fx.js';
import { REFERENCE_REGION } from './prices.js';
import { taskWallMsSql } from './task-times.js';

export interface HistoryTask {
  pipeline: string;
  runId: string;
  process: string;
  features: Features;
  runtimeMs: number | null;
  peakRssBytes: number | null;
  /** Price-sheet cost of the task (null when its VM size or price is unknown). */
  cost: number | null;
  vmSize: string | null;
  at: number;
}

interface Row {
  pipeline: string;
  run_id: string;
  process: string;
  tag: string | null;
  sample: string | null;
  sample_count: number | null;
  input_per_sample: number | null;
  cpus: number | null;
  memory_bytes: string | null;
  attempt: number | null;
  position: string;
  realtime_ms: string | null;
  peak_rss: string | null;
  vm_size: string | null;
  cost: string | null;
  at: string;
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** The database, or a transaction: retrain reads the history inside one snapshot (model-versions.ts). */
export type Reader = Pick<Tx, 'execute' | 'transaction'>;

const num = (v: string | number | null) => (v === null ? null : Number(v));

/**
 * Joins `pr` (price_per_hour, vcpus, memory_gib, currency) to tasks `t` of runs `r`: the price of the
 * task's VM size and tier in its pool's region (else the run's), in force when it started, with
 * PriceService's fallbacks (reference region, SPOT → LOW_PRIORITY, earliest price for older tasks).
 * Null when the size is unknown.
 */
export function taskPriceJoin(): SQL {
  const reference = REFERENCE_REGION.azure;
  return sql`left join pools po on po.org_id = t.org_id and po.name = t.pool
    left join lateral (
      select p.price_per_hour, p.vcpus, p.memory_gib, p.currency from prices p
      where p.provider = coalesce(po.provider, 'azure') and lower(p.vm_size) = lower(t.vm_size)
        and p.region in (coalesce(po.region, r.region, ${reference}), ${reference})
        and (p.priority = coalesce(t.priority, 'DEDICATED') or (t.priority = 'SPOT' and p.priority = 'LOW_PRIORITY'))
      order by (p.effective_from <= coalesce(t.started_at, now())::date) desc,
               (p.region = coalesce(po.region, r.region, ${reference})) desc, (p.priority = coalesce(t.priority, 'DEDICATED')) desc,
               case when p.effective_from <= coalesce(t.started_at, now())::date then p.effective_from end desc, p.effective_from
      limit 1
    ) pr on t.vm_size is not null`;
}

/**
 * The price-sheet rule in SQL numeric, over `t` and `pr`: price × max(cpu share, memory share) × hours,
 * the share capped at the whole VM. Wall time: the task's (taskWallMsSql), or `wallMs`, e.g. how long
 * a running task has run so far.
 */
export function taskCostSql(wallMs?: SQL): SQL {
  return sql`(pr.price_per_hour
    * least(1, greatest(coalesce(t.cpus, 1)::numeric / pr.vcpus, coalesce(t.memory_bytes, 0)::numeric / (pr.memory_gib * 1073741824)))
    * ${wallMs ?? taskWallMsSql} / 3600000)`;
}

/** Completed tasks of the organization's runs (of one pipeline, when given), oldest first. */
export async function taskHistory(db: Reader, orgId: string, pipeline?: string): Promise<HistoryTask[]> {
  const rows = (await db.execute(sql`
    select pl.name as pipeline, t.run_id, t.process, t.tag, t.sample, r.sample_count,
           (r.input_bytes::float8 / nullif(r.sample_count, 0)) as input_per_sample,
           t.cpus, t.memory_bytes, t.attempt,
           (row_number() over (partition by t.run_id order by t.submitted_at, t.task_id) - 1) as position,
           coalesce(t.realtime_ms, t.duration_ms) as realtime_ms, t.peak_rss, t.vm_size,
           ${taskCostSql()} as cost,
           (extract(epoch from coalesce(t.submitted_at, t.started_at)) * 1000)::float8 as at
    from tasks t
    join runs r on r.org_id = t.org_id and r.id = t.run_id
    join pipelines pl on pl.org_id = r.org_id and pl.id = r.pipeline_id
    ${taskPriceJoin()}
    where t.org_id = ${orgId} and t.status = 'COMPLETED' and t.process is not null
      and coalesce(t.submitted_at, t.started_at) is not null
      ${pipeline === undefined ? sql`` : sql`and pl.name = ${pipeline}`}
    order by at, t.run_id, t.task_id`)) as unknown as Row[];
  return rows.map((r) => ({
    pipeline: r.pipeline,
    runId: r.run_id,
    process: r.process,
    features: {
      process: r.process,
      tag: r.tag,
      group: r.sample,
      inputBytes: r.input_per_sample,
      sampleCount: r.sample_count,
      cpus: r.cpus,
      memoryBytes: num(r.memory_bytes),
      attempt: r.attempt,
      position: Number(r.position),
    },
    runtimeMs: num(r.realtime_ms),
    peakRssBytes: num(r.peak_rss),
    cost: num(r.cost),
    vmSize: r.vm_size,
    at: Number(r.at),
  }));
}

/** Task-level targets the retrain job fits; `costPerRun` needs run-level samples and is not fitted here. */
export const TASK_TARGETS: readonly ModelTarget[] = ['runtimeMs', 'peakRssBytes', 'costPerTask'];

/** The samples of one target: tasks whose observed value for it is known. */
export function samplesFor(target: ModelTarget, tasks: readonly HistoryTask[]): TrainingSample[] {
  const out: TrainingSample[] = [];
  for (const t of tasks) {
    const value = target === 'runtimeMs' ? t.runtimeMs : target === 'peakRssBytes' ? t.peakRssBytes : target === 'costPerTask' ? t.cost : null;
    if (value !== null && Number.isFinite(value)) out.push({ features: t.features, value, at: t.at });
  }
  return out;
}

/** One finished run as a `costPerRun` sample. */
export interface HistoryRun {
  pipeline: string;
  runId: string;
  /** `process` is the pipeline's name: run-level models group on it. */
  features: Features;
  /** What the run cost, on the basis it was read with (billedRuns / pricedRuns), in `currency`. */
  cost: number;
  currency: string;
  at: number;
}

interface RunRow {
  pipeline: string;
  run_id: string;
  sample_count: number | null;
  input_bytes: string | null;
  cost: number;
  currency: string;
  at: number;
}

const toHistoryRun = (r: RunRow): HistoryRun => ({
  pipeline: r.pipeline,
  runId: r.run_id,
  features: { process: r.pipeline, sampleCount: r.sample_count, inputBytes: num(r.input_bytes) },
  cost: Number(r.cost),
  currency: r.currency.trim(),
  at: Number(r.at),
});

/** SUCCEEDED runs of the organization (of these pipelines): what a run-level model may learn from. */
function finishedRuns(orgId: string, pipelines: SQL): SQL {
  return sql`from runs r
    join pipelines pl on pl.org_id = r.org_id and pl.id = r.pipeline_id
    where r.org_id = ${orgId} and r.status = 'SUCCEEDED' ${pipelines}`;
}

const runAt = sql`(extract(epoch from coalesce(r.submitted_at, r.started_at, r.created_at)) * 1000)::float8`;

/**
 * Over runs `r`: the run is finished and its actual cost is its whole bill, as the last reconciliation
 * that touched its days decided (billed-in-full.ts).
 */
export function billedInFull(): SQL {
  return sql`r.status = 'SUCCEEDED' and r.billed_in_full and r.actual_cost is not null`;
}

/** Runs billed in full (billedInFull), at their actual cost, in their currency, oldest first. */
export async function billedRuns(db: Reader, orgId: string, pipeline?: string): Promise<HistoryRun[]> {
  const rows = (await db.execute(sql`
    select pl.name as pipeline, r.id as run_id, r.sample_count, r.input_bytes, r.actual_cost::float8 as cost, r.currency, ${runAt} as at
    ${finishedRuns(orgId, pipeline === undefined ? sql`` : sql`and pl.name = ${pipeline}`)}
      and ${billedInFull()}
    order by at, r.id`)) as unknown as RunRow[];
  return rows.map(toHistoryRun);
}

/**
 * Runs of these pipelines with their tasks' price-sheet cost, oldest first: every attempt that ran
 * (failed ones too, as a bill has them), in the run's currency (prices in another one converted with
 * `rates`, GCT_FX_RATES). Left out rather than undercounted: a run with an attempt that ran but cannot be
 * priced (unknown VM size, a price in another currency without a rate) or
 * without a wall time (a completed or started one), and a resumed run (its cached tasks cost nothing
 * this time while its sample count and input bytes are the whole run's). Tasks are grouped by
 * what their price depends on (pool, size, priority, day, requested cpus and memory) before the
 * price is looked up, and each distinct price key is looked up once over all the runs.
 */
export async function pricedRuns(db: Reader, orgId: string, pipelines: readonly string[], rates: FxRates = NO_FX_RATES): Promise<HistoryRun[]> {
  if (pipelines.length === 0) return [];
  const rate = fxRateSql(rates, sql`pr.currency`, sql`r.currency`);
  const rows = await db.transaction(async (tx) => {
    // the planner overestimates the price keys per run (it multiplies the columns' distinct counts: 650,000
    // groups for 24,000) and would sort every task to group them; hashing spills to disk if it must, so it
    // is told to hash (1,000 runs × 1,000 tasks: ~2 s against 4.5–9 s sorted)
    await tx.execute(sql`set local work_mem = '64MB'`);
    await tx.execute(sql`set local enable_sort = off`);
    return (await tx.execute(sql`
    with candidates as (
      select pl.name as pipeline, r.id, r.org_id, r.region, r.currency, r.sample_count, r.input_bytes, ${runAt} as at
      ${finishedRuns(orgId, sql`and pl.name in (${sql.join(pipelines.map((p) => sql`${p}`), sql`, `)})`)}),
    -- per run and price key; the organization and region (the run's) join back below: a narrower key
    -- keeps the aggregate in memory as a hash rather than sorting every task
    g0 as (
      select t.run_id, t.pool, t.vm_size, t.priority, t.cpus, t.memory_bytes,
             coalesce(t.started_at, now())::date as started_at,
             sum(w.ms)::numeric as realtime_ms, null::bigint as duration_ms, null::timestamptz as completed_at,
             count(*) filter (where t.status = 'COMPLETED') as completed,
             count(*) filter (where t.status = 'CACHED' or (w.ms is null and (t.status = 'COMPLETED' or t.started_at is not null))) as unusable
      from tasks t join candidates c on t.org_id = c.org_id and t.run_id = c.id
      cross join lateral (select ${taskWallMsSql} as ms) w
      where t.status in ('COMPLETED', 'FAILED', 'ABORTED', 'CACHED')
      group by 1, 2, 3, 4, 5, 6, 7),
    g as (select c.org_id, c.region, g0.* from g0 join candidates c on c.id = g0.run_id),
    -- one price lookup per distinct price key over all the runs (materialized: inlined, the planner
    -- looks a price up per group again, and re-aggregates per_run for every candidate it misestimates)
    k as materialized (
      select t.org_id, t.pool, t.vm_size, t.priority, t.started_at, t.region, pr.price_per_hour, pr.vcpus, pr.memory_gib, pr.currency
      from (select distinct org_id, pool, vm_size, priority, started_at, region from g) t
      cross join lateral (select t.region) as r(region)
      ${taskPriceJoin()}),
    per_run as materialized (
      select t.run_id, sum(${taskCostSql()} * ${rate}) as cost, sum(t.completed) as completed, sum(t.unusable) as unusable,
             count(*) filter (where t.realtime_ms > 0 and (pr.price_per_hour is null or ${rate} is null)) as unpriced
      from g t join candidates r on r.id = t.run_id
      left join k pr on pr.org_id = t.org_id and pr.pool is not distinct from t.pool and pr.vm_size is not distinct from t.vm_size
        and pr.priority is not distinct from t.priority and pr.started_at = t.started_at and pr.region is not distinct from t.region
      group by t.run_id)
    select r.pipeline, r.id as run_id, r.sample_count, r.input_bytes, p.cost::float8 as cost, r.currency, r.at
    from candidates r join per_run p on p.run_id = r.id
    where p.completed > 0 and p.unpriced = 0 and p.unusable = 0
    order by r.at, r.id`)) as unknown as RunRow[];
  });
  return rows.map(toHistoryRun);
}
