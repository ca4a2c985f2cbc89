/**
 * Reconciliation: bill lines (cost_records) of a window become allocations to tasks, idle and
 * unallocated; runs get their actual cost; stored estimates get their error; drift raises alerts.
 *
 * Words (docs/domain.md): a pool line is a bill line whose resource is a declared pool's resource id
 * (or below it, e.g. one VM of its scale set); its cost is the line's effective cost (billed when the
 * bill has none). A task's weight on a line is share × hours, where share = max(cpu share, memory
 * share) of the pool's VM and hours is how long the task overlapped the line's charge period, times
 * the line's part of its group when the pool has several lines of machine time in that period.
 *
 * 1. Lock the organization's reconciliations (one at a time: windows may overlap) and delete the
 *    window's allocations, remembering which runs had some.
 * 2. Lines of the window, each with its pool (if any), its rate per VM hour (cost / consumed hours when
 *    the unit is hours, else the pool VM's listed price in the line's currency, converted from another
 *    with GCT_FX_RATES when the sheet has none in it) and the VM's size; and
 *    its part of its group: the lines billing the pool's machine time in the same charge period and
 *    currency (one per VM, or per meter), each weighed by its machine hours (lineGroup).
 * 3. Task pieces: tasks of those pools overlapping each line (not CACHED ones: they carry the times of
 *    the run that ran them, whose own tasks hold those hours). Both sides are cut into UTC hour buckets
 *    and hash-joined on (pool, hour), each pair kept only in the first hour both touch, so a long task
 *    or a daily line costs buckets, not a scan of every task against every line. A piece's hours are
 *    the overlap × the line's part, so a task's hours over its group's lines add up to its overlap.
 * 4. Per line: scale = the rate, or cost / Σweight when the tasks explain more than was billed (never
 *    allocate more than the cost), or cost / Σweight when no rate is known. TASK = trunc(weight ×
 *    scale, 10). IDLE = cost − Σ TASK (a difference in numeric: the line sums exactly). With idle
 *    shared, the idle goes to the line's runs in proportion to their TASK amounts, the last run taking
 *    the difference. Lines of no pool are UNALLOCATED, whole.
 * 5. Runs that had or have allocations get actual_cost = Σ of their allocations (TASK + shared IDLE);
 *    the runs whose days the window touches are marked billed in full, or not (billed-in-full.ts).
 *    Currency rule: bill amounts are never converted; allocations carry their line's currency, and a
 *    run's actual cost is set only when all its allocations are in the run's currency. Otherwise it
 *    stays null and the run counts in `currencyMismatchRuns`. A run is in its organization's currency
 *    from its creation; one created in USD before that (an EUR organization's) moves to the
 *    organization's currency first, when none of its allocations is in another (adoptOrgCurrency).
 * 6. Each such run's latest estimate per (kind, model, version) — QUOTE and LIVE, run-level — gets
 *    its error against the actual; its newest estimate of each kind keeps the run's ESTIMATE_DRIFT
 *    alert of that kind in step: raised or updated beyond the drift threshold once the run is billed
 *    in full, resolved back within it (drift-alerts.ts).
 * Everything from 1 to 6 is one transaction: a re-run of the same window replaces, and readers see the
 * old split or the new one, never half of each.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { IdleMode } from '../config.js';
import type { Db } from '../db/client.js';
import { errorText } from '../db/query-error.js';
import type { ReconciliationRow, ReconciliationTotal } from '../db/schema/index.js';
import { badInput } from '../errors.js';
import { markBilledInFull } from './billed-in-full.js';
import { billedInHours, billsPool, checkReconcileWindow, hasBillResource, lineCost, machineTime, type ReconcileWindow } from './reconcile-terms.js';
import { rebuildCostDaily } from './cost-rollup.js';
import { fxRateSql, NO_FX_RATES, type FxRates } from './fx.js';
import { lockReconciliations } from './reconcile-lock.js';
import { settleDriftAlerts, type DriftReading } from './drift-alerts.js';
import { billedInFull } from './history.js';
import { isUuid } from './runs.js';
import { taskEndSql, taskRanSql } from './task-times.js';

export interface ReconcileOptions {
  idleMode: IdleMode;
  /** 0.2 = 20% */
  driftThreshold: number;
  /**
   * GCT_FX_RATES: the listed price a line without hours is weighed by, from the USD sheet into the line's
   * currency; and a run moving to its organization's currency keeps its estimated cost, converted.
   */
  fxRates?: FxRates;
  /** What asked: `import`, `sync`, `request`, … (stored on the record). */
  trigger?: string;
  jobId?: string;
}

/**
 * Tasks that started this long before a window's first charge period are not looked at: without a
 * bound the search for tasks overlapping the window would read the pool's whole history. Nextflow
 * tasks of a month are far beyond anything Batch pools run.
 */
const MAX_TASK_DAYS = 30;
/** Allocations are kept to 10 decimal places (far below a cent); the remainders absorb the rest. */
const PLACES = 10;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Over an rc_lines row: the group of lines that bill the same machine time. A pool billed per VM, or
 * on two meters (dedicated and low-priority nodes), has several lines in one charge period; a task
 * ran on one node of them, not on each, so its hours are spread over the group's lines rather than
 * given whole to every one. Lines of machine time group by pool, period and currency (a currency's
 * lines are one bill's view: another currency's are another's), those with a rate apart from those
 * without (whose hours are unknown); any other line (a disk's GB) stands alone, as before.
 */
function lineGroup(l: SQL): SQL {
  return sql`case when ${machineTime(l)}
    then concat_ws('|', ${l}.pool_id, ${l}.ps, ${l}.pe, ${l}.currency, case when coalesce(${l}.line_rate, ${l}.list_rate) is null then 'weight' else 'hours' end)
    else ${l}.line_id::text end`;
}

/**
 * Over an rc_lines row: its weight in its group (lineGroup), so that its part of a task's hours is
 * this over the group's sum. Machine hours where known: its quantity in hours (a free reserved hour is
 * still an hour a task may have run in), else its cost at the listed price; without either, its
 * cost, which splits the tasks' weight as the old line-by-line split did. A line alone weighs 1.
 */
function lineMachineHours(l: SQL): SQL {
  return sql`case when not ${machineTime(l)} then 1
    when ${l}.line_rate is not null then ${l}.consumed_quantity
    when ${l}.list_rate > 0 then greatest(${l}.cost, 0) / ${l}.list_rate
    when ${l}.list_rate is not null then 0
    else greatest(${l}.cost, 0) end`;
}

/** Reconciles [from, to) of one organization's bill. Returns the reconciliation record (SUCCEEDED). */
export async function reconcile(db: Db, orgId: string, window: ReconcileWindow, options: ReconcileOptions): Promise<ReconciliationRow> {
  if (!isUuid(orgId)) throw badInput('orgId', 'must be a uuid');
  checkReconcileWindow(window);
  const started = Date.now();
  const from = window.from.toISOString();
  const to = window.to.toISOString();
  // on record before the work, committed on its own: a failure below still leaves the attempt
  const [{ id }] = (await db.execute(sql`
    insert into reconciliations (org_id, window_start, window_end, status, idle_mode, trigger, job_id)
    values (${orgId}, ${from}::timestamptz, ${to}::timestamptz, 'RUNNING', ${options.idleMode}, ${options.trigger ?? 'direct'}, ${options.jobId ?? null})
    returning id`)) as unknown as { id: string }[];

  try {
    await db.transaction(async (tx) => {
      await lockReconciliations(tx, orgId, 'exclusive');
      const rates = options.fxRates ?? NO_FX_RATES;
      const counts = await splitWindow(tx, orgId, id, from, to, options.idleMode, rates);
      await adoptOrgCurrency(tx, orgId, rates);
      const runsResult = await updateRunActuals(tx, orgId);
      await markBilledInFull(tx, orgId, id, from, to);
      const drift = await recordEstimateErrors(tx, orgId, id, options.driftThreshold);
      // the explorer's rollup of the window's days, committed with the allocations it sums
      await rebuildCostDaily(tx, orgId, window.from, window.to);
      await tx.execute(sql`
        update reconciliations set status = 'SUCCEEDED', lines = ${counts.lines}, pool_lines = ${counts.poolLines},
          unallocated_lines = ${counts.unallocatedLines}, task_allocations = ${counts.taskAllocations},
          runs_updated = ${runsResult.updated}, currency_mismatch_runs = ${runsResult.mismatched},
          estimate_errors = ${drift.errors}, drift_alerts = ${drift.alerts}, totals = ${JSON.stringify(counts.totals)}::jsonb,
          -- the clock, not the transaction's start: taken after the lock, so finishing order is commit order
          finished_at = clock_timestamp(), duration_ms = ${Date.now() - started}
        where org_id = ${orgId} and id = ${id}`);
    });
  } catch (err) {
    const message = errorText(err);
    await db.execute(sql`
      update reconciliations set status = 'FAILED', error = ${message.slice(0, 10_000)}, finished_at = now(), duration_ms = ${Date.now() - started}
      where org_id = ${orgId} and id = ${id}`);
    throw err;
  }
  const [row] = await db.query.reconciliations.findMany({ where: (r, { and, eq }) => and(eq(r.orgId, orgId), eq(r.id, id)) });
  return row;
}

interface SplitCounts {
  lines: number;
  poolLines: number;
  unallocatedLines: number;
  taskAllocations: number;
  totals: ReconciliationTotal[];
}

async function rows<T>(tx: Tx, query: SQL): Promise<T[]> {
  return [...((await tx.execute(query)) as unknown as T[])];
}

/** Steps 1–4. Temporary tables live until the commit; each is analyzed so the joins are planned on real counts. */
async function splitWindow(tx: Tx, orgId: string, reconciliationId: string, from: string, to: string, idleMode: IdleMode, rates: FxRates): Promise<SplitCounts> {
  const x = (q: SQL) => tx.execute(q);
  // 1. the window's old allocations go; their runs are recomputed below even if no line reaches them now
  await x(sql`create temp table rc_runs (run_id uuid primary key) on commit drop`);
  await x(sql`
    with gone as (
      delete from allocations where org_id = ${orgId} and charge_period_start >= ${from}::timestamptz and charge_period_start < ${to}::timestamptz
      returning run_id)
    insert into rc_runs select distinct run_id from gone where run_id is not null`);

  // 2. pools (with their VM's size, from the price table: sizes do not vary by region) and lines
  await x(sql`
    create temp table rc_pools (id uuid, name text, provider text, region text, vm_size text, priority vm_priority, rid text,
      vcpus integer, memory_gib numeric) on commit drop`);
  await x(sql`
    insert into rc_pools
    select p.id, p.name, p.provider, p.region, p.vm_size, p.priority, lower(p.resource_id), spec.vcpus, spec.memory_gib
    from pools p
    left join lateral (
      select pr.vcpus, pr.memory_gib from prices pr
      where pr.provider = p.provider and lower(pr.vm_size) = lower(p.vm_size)
      order by (pr.region = p.region) desc, (pr.priority = p.priority) desc, pr.effective_from desc limit 1) spec on true
    where p.org_id = ${orgId} and ${hasBillResource(sql`p`)}`);
  await x(sql`
    create temp table rc_lines (line_id uuid primary key, ps timestamptz, pe timestamptz, cost numeric, currency char(3),
      pool_id uuid, pool_name text, line_rate numeric, list_rate numeric, loaded_at timestamptz, consumed_unit text, consumed_quantity numeric,
      grp text, part numeric) on commit drop`);
  await x(sql`
    insert into rc_lines
    select cr.row_hash, cr.charge_period_start, cr.charge_period_end, c.cost, cr.currency, pl.id, pl.name,
      case when ${billedInHours(sql`cr`)} then c.cost / cr.consumed_quantity end,
      null,
      -- a sync replaces its window's lines, so theirs is their last load; a file's unchanged lines keep their first
      case when cr.source = 'azure_api' then cr.created_at end,
      cr.consumed_unit, cr.consumed_quantity
    from cost_records cr
    cross join lateral (select ${lineCost(sql`cr`)} as cost) c
    left join lateral (
      select p.* from rc_pools p
      where ${billsPool(sql`cr`, sql`p.rid`)}
      order by length(p.rid) desc, p.name limit 1) pl on true
    where cr.org_id = ${orgId} and cr.charge_period_start >= ${from}::timestamptz and cr.charge_period_start < ${to}::timestamptz`);
  // only lines without a rate of their own need the listed price (looked up once per pool, currency and day);
  // the sheet is in USD: an EUR line takes a price in its own currency if there is one, else the converted one
  const rate = fxRateSql(rates, sql`pr.currency`, sql`w.currency`);
  await x(sql`
    with wanted as (
      select distinct l.pool_id, l.currency, (l.ps at time zone 'UTC')::date as day from rc_lines l
      where l.pool_id is not null and l.line_rate is null),
    priced as (
      select w.*, price.price_per_hour from wanted w join rc_pools p on p.id = w.pool_id
      cross join lateral (
        select pr.price_per_hour * ${rate} as price_per_hour from prices pr
        where pr.provider = p.provider and lower(pr.vm_size) = lower(p.vm_size) and pr.priority = p.priority
          and ${rate} is not null and pr.effective_from <= w.day
        order by (pr.currency = w.currency) desc, (pr.region = p.region) desc, pr.effective_from desc limit 1) price)
    update rc_lines l set list_rate = priced.price_per_hour from priced
    where l.pool_id = priced.pool_id and l.currency = priced.currency and (l.ps at time zone 'UTC')::date = priced.day and l.line_rate is null`);
  await x(sql`
    with weighed as (select l.line_id, ${lineGroup(sql`l`)} as grp, ${lineMachineHours(sql`l`)} as m from rc_lines l where l.pool_id is not null)
    update rc_lines l set grp = w.grp, part = w.part
    from (select line_id, grp, m / nullif(sum(m) over (partition by grp), 0) as part from weighed) w
    where l.line_id = w.line_id`);
  await x(sql`analyze rc_lines`);

  // 3. tasks of the lines' pools near the window, with their share of the VM, cut into hour buckets
  await x(sql`
    create temp table rc_tasks (task_id bigint primary key, run_id uuid, pool text, ts timestamptz, te timestamptz, share numeric) on commit drop`);
  await x(sql`
    with bounds as (select min(ps) as lo, max(pe) as hi from rc_lines where pool_id is not null)
    insert into rc_tasks
    select t.id, t.run_id, t.pool, t.started_at, e.te,
      -- a VM of unknown size: the task is taken to hold the whole node (idle can then only be understated)
      round(least(1, greatest(coalesce(t.cpus, 1)::numeric / p.vcpus, coalesce(t.memory_bytes, 0)::numeric / (p.memory_gib * 1073741824)), 1), 12)
    from bounds, rc_pools p
    join tasks t on t.org_id = ${orgId} and t.pool = p.name
    cross join lateral (select ${taskEndSql} as te) e
    where p.name in (select pool_name from rc_lines where pool_id is not null) and ${taskRanSql}
      and t.started_at < bounds.hi and t.started_at >= bounds.lo - ${`${MAX_TASK_DAYS} days`}::interval
      and e.te > t.started_at and e.te > bounds.lo`);
  await x(sql`analyze rc_tasks`);
  await x(sql`
    create temp table rc_task_hours on commit drop as
    select t.task_id, t.pool, h.h from rc_tasks t
    cross join lateral generate_series(date_trunc('hour', t.ts, 'UTC'), t.te - interval '1 microsecond', interval '1 hour') h(h)`);
  await x(sql`
    create temp table rc_line_hours on commit drop as
    select l.line_id, l.pool_name as pool, h.h from rc_lines l
    cross join lateral generate_series(date_trunc('hour', l.ps, 'UTC'), l.pe - interval '1 microsecond', interval '1 hour') h(h)
    where l.pool_id is not null and l.pe > l.ps`);
  await x(sql`analyze rc_task_hours`);
  await x(sql`analyze rc_line_hours`);
  await x(sql`
    create temp table rc_pieces on commit drop as
    select l.line_id, t.task_id, t.run_id, t.share,
      -- the line's part of the overlap: the group's lines share each hour the task ran
      round(extract(epoch from least(t.te, l.pe) - greatest(t.ts, l.ps)) / 3600 * l.part, 12) as hours
    from rc_line_hours lh
    join rc_task_hours th on th.pool = lh.pool and th.h = lh.h
    join rc_lines l on l.line_id = lh.line_id
    join rc_tasks t on t.task_id = th.task_id
    -- the first hour both touch: each (line, task) pair once
    where lh.h = greatest(date_trunc('hour', t.ts, 'UTC'), date_trunc('hour', l.ps, 'UTC'))
      and t.ts < l.pe and t.te > l.ps`);
  await x(sql`analyze rc_pieces`);

  // 4. the split
  await x(sql`
    create temp table rc_scale on commit drop as
    select l.line_id, l.ps, l.cost, l.currency, l.pool_id, s.sw, r.rate, r.kind,
      case when l.cost <= 0 or coalesce(s.sw, 0) = 0 then null
           when r.rate is null then trunc(l.cost / s.sw, 20)
           else least(r.rate, trunc(l.cost / s.sw, 20)) end as scale
    from rc_lines l
    left join (select line_id, sum(share * hours) as sw from rc_pieces group by line_id) s using (line_id)
    cross join lateral (select coalesce(l.line_rate, l.list_rate) as rate, case when l.line_rate is not null then 'RATE' else 'PRICE' end as kind) r
    where l.pool_id is not null`);
  await x(sql`
    create temp table rc_task_alloc on commit drop as
    select p.line_id, p.run_id, p.task_id, p.share, p.hours,
      trunc(p.share * p.hours * s.scale, ${PLACES}) as amount,
      case when s.rate is null then 'WEIGHT' when s.scale < s.rate then 'SCALED' else s.kind end as method
    from rc_pieces p join rc_scale s using (line_id)
    where s.scale is not null`);
  await x(sql`
    create temp table rc_idle on commit drop as
    select s.line_id, s.ps, s.currency, s.pool_id, s.cost - coalesce(a.total, 0) as idle, coalesce(a.total, 0) as tasks, a.line_id is not null as has_tasks
    from rc_scale s left join (select line_id, sum(amount) as total from rc_task_alloc group by line_id) a using (line_id)`);

  await x(sql`
    insert into allocations (org_id, reconciliation_id, cost_row_hash, charge_period_start, kind, method, pool_id, run_id, task_id, share, hours, amount, currency)
    select ${orgId}, ${reconciliationId}, a.line_id, l.ps, 'TASK', a.method, l.pool_id, a.run_id, a.task_id, a.share, a.hours, a.amount, l.currency
    from rc_task_alloc a join rc_lines l using (line_id)`);
  const share = idleMode === 'SHARE';
  if (share) {
    await x(sql`
      insert into allocations (org_id, reconciliation_id, cost_row_hash, charge_period_start, kind, method, pool_id, run_id, amount, currency)
      with per_run as (
        select line_id, run_id, sum(amount) as amount from rc_task_alloc group by line_id, run_id),
      ranked as (
        select r.line_id, r.run_id, r.amount, i.idle, i.tasks, i.ps, i.currency, i.pool_id,
          row_number() over (partition by r.line_id order by r.amount desc, r.run_id) as rn, count(*) over (partition by r.line_id) as n
        from per_run r join rc_idle i using (line_id)
        where i.idle <> 0 and i.tasks > 0),
      parts as (
        select *, case when rn < n then trunc(idle * amount / tasks, ${PLACES}) end as part from ranked)
      select ${orgId}, ${reconciliationId}, line_id, ps, 'IDLE', 'SHARED', pool_id, run_id,
        -- the last run takes the difference, so the shares sum to the idle exactly
        coalesce(part, idle - coalesce(sum(part) over (partition by line_id), 0)), currency
      from parts`);
  }
  await x(sql`
    insert into allocations (org_id, reconciliation_id, cost_row_hash, charge_period_start, kind, method, pool_id, amount, currency)
    select ${orgId}, ${reconciliationId}, line_id, ps, 'IDLE', 'REMAINDER', pool_id, idle, currency
    from rc_idle
    -- every line keeps at least one row, so "its rows sum to its cost" can be checked for each
    where (idle <> 0 and not (${share} and tasks > 0)) or not has_tasks`);
  await x(sql`
    insert into allocations (org_id, reconciliation_id, cost_row_hash, charge_period_start, kind, method, amount, currency)
    select ${orgId}, ${reconciliationId}, line_id, ps, 'UNALLOCATED', 'NO_POOL', cost, currency
    from rc_lines where pool_id is null`);
  await x(sql`insert into rc_runs select distinct run_id from rc_task_alloc on conflict do nothing`);

  const [c] = await rows<{ lines: number; pool_lines: number; task_allocations: number }>(
    tx,
    sql`select (select count(*) from rc_lines)::int as lines, (select count(*) from rc_lines where pool_id is not null)::int as pool_lines,
          (select count(*) from rc_task_alloc)::int as task_allocations`,
  );
  const totals = await rows<ReconciliationTotal>(
    tx,
    sql`select trim(currency) as currency, sum(amount)::text as cost,
          coalesce(sum(amount) filter (where kind = 'TASK'), 0)::text as tasks,
          coalesce(sum(amount) filter (where kind = 'IDLE'), 0)::text as idle,
          coalesce(sum(amount) filter (where kind = 'UNALLOCATED'), 0)::text as unallocated
        -- the window too: this reconciliation's rows are exactly the window's, and the period leads an index
        -- (by its id alone, every allocation of the organization was read)
        from allocations where org_id = ${orgId} and charge_period_start >= ${from}::timestamptz and charge_period_start < ${to}::timestamptz
          and reconciliation_id = ${reconciliationId}
        group by currency order by currency`,
  );
  return { lines: c.lines, poolLines: c.pool_lines, unallocatedLines: c.lines - c.pool_lines, taskAllocations: c.task_allocations, totals };
}

/**
 * Step 5, first: runs in rc_runs created in USD before runs took their organization's currency, whose
 * allocations are all in the organization's (none in theirs), move to it. Their estimated cost, a figure
 * in the old currency, is converted when GCT_FX_RATES has the rate, else cleared (the estimates keep it
 * with its currency): either way no USD figure is read as EUR.
 */
async function adoptOrgCurrency(tx: Tx, orgId: string, rates: FxRates): Promise<void> {
  await tx.execute(sql`
    update runs r set currency = o.currency, estimated_cost = r.estimated_cost * ${fxRateSql(rates, sql`r.currency`, sql`o.currency`)}, updated_at = now()
    from rc_runs u, organizations o
    where r.org_id = ${orgId} and r.id = u.run_id and o.id = ${orgId} and r.currency <> o.currency
      and not exists (select 1 from allocations a where a.org_id = ${orgId} and a.run_id = r.id and a.currency <> o.currency)`);
}

/** Step 5, for the runs in rc_runs. */
async function updateRunActuals(tx: Tx, orgId: string): Promise<{ updated: number; mismatched: number }> {
  const [r] = await rows<{ updated: number; mismatched: number }>(
    tx,
    sql`
    with agg as (
      select u.run_id, sum(a.amount) filter (where a.currency = r.currency) as amount,
        count(a.id) filter (where a.currency <> r.currency) as foreign_rows, count(a.id) as n
      from rc_runs u
      join runs r on r.org_id = ${orgId} and r.id = u.run_id
      left join allocations a on a.org_id = ${orgId} and a.run_id = u.run_id
      group by u.run_id),
    done as (
      update runs r set actual_cost = case when agg.n > 0 and agg.foreign_rows = 0 then agg.amount end, updated_at = now()
      from agg where r.org_id = ${orgId} and r.id = agg.run_id
      returning agg.foreign_rows > 0 as mismatched)
    select count(*)::int as updated, count(*) filter (where mismatched)::int as mismatched from done`,
  );
  return r;
}

/** Step 6. */
async function recordEstimateErrors(tx: Tx, orgId: string, reconciliationId: string, threshold: number): Promise<{ errors: number; alerts: number }> {
  // a run that lost its actual (its lines were replaced) has nothing to be compared with any more
  await tx.execute(sql`
    delete from estimate_errors e using rc_runs u, runs r
    where e.org_id = ${orgId} and e.run_id = u.run_id and r.org_id = ${orgId} and r.id = u.run_id and r.actual_cost is null`);
  const errors = await rows<DriftReading & { newest: boolean }>(
    tx,
    sql`
    with latest as (
      select distinct on (e.run_id, e.kind, e.model_name, e.model_version) e.*
      from estimates e join rc_runs u on u.run_id = e.run_id
      where e.org_id = ${orgId} and e.task_id is null and e.kind in ('QUOTE', 'LIVE')
      order by e.run_id, e.kind, e.model_name, e.model_version, e.created_at desc, e.id),
    upserted as (
      insert into estimate_errors as ee (org_id, estimate_id, reconciliation_id, run_id, pipeline_id, kind, model_name, model_version, estimated, actual, currency, error_ratio)
      select ${orgId}, l.id, ${reconciliationId}, l.run_id, r.pipeline_id, l.kind, l.model_name, l.model_version, l.value, r.actual_cost, r.currency,
        case when r.actual_cost <> 0 then (l.value - r.actual_cost) / r.actual_cost end
      from latest l join runs r on r.org_id = ${orgId} and r.id = l.run_id
      where r.actual_cost is not null and l.currency = r.currency
      on conflict (org_id, estimate_id) do update set reconciliation_id = excluded.reconciliation_id, actual = excluded.actual,
        error_ratio = excluded.error_ratio, pipeline_id = excluded.pipeline_id, updated_at = now()
      returning ee.*)
    select u.estimate_id, u.run_id, u.kind::text as kind, u.model_name, u.model_version, u.estimated::text, u.actual::text, trim(u.currency) as currency,
      u.error_ratio::text, coalesce(abs(u.error_ratio) > ${threshold}, false) as drifted, ${billedInFull()} as billed_in_full,
      p.name || case when p.revision <> '' then '@' || p.revision else '' end as pipeline,
      -- the run's current figure of this kind: what its drift alert is about
      row_number() over (partition by u.run_id, u.kind order by l.created_at desc, l.id desc) = 1 as newest
    from upserted u
    join latest l on l.id = u.estimate_id
    join runs r on r.org_id = ${orgId} and r.id = u.run_id
    left join pipelines p on p.org_id = ${orgId} and p.id = u.pipeline_id`,
  );
  const withoutActual = await rows<{ run_id: string }>(tx, sql`
    select u.run_id from rc_runs u join runs r on r.org_id = ${orgId} and r.id = u.run_id where r.actual_cost is null`);
  const alerts = await settleDriftAlerts(tx, orgId, reconciliationId, threshold, errors.filter((e) => e.newest), withoutActual.map((r) => r.run_id));
  return { errors: errors.length, alerts };
}
