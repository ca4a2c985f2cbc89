/**
 * The bill as the explorer reads it, and its daily rollup (`cost_daily`, see db/schema/cost-daily).
 *
 * A piece of the bill is a reconciled line's allocation (task, idle or unallocated share), or a whole
 * line not reconciled yet; every piece carries the workflow side (run, sample, process, project,
 * pipeline) and the bill side (provider, service, resource group, region, tags). `actualPieces` is
 * the one definition: the rollup is built from it and the explorer reads it for days the rollup
 * does not hold, so both paths give the same sums by construction.
 *
 * A day is held when it is listed in `cost_daily_days`. Loads and syncs unlist the days they touch
 * (`invalidateCostDays`, in their transaction); reconciliation, which every ingest queues, rebuilds
 * its window (`rebuildCostDaily`) and lists the days again.
 */
import { sql, type SQL } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { pieceCostCentre, rulesFingerprint, rulesOf } from './allocation-rules.js';
import { lockCostWrites, lockCostWritesSql } from './cost-write-lock.js';
import { isPoolLine, lineCost } from './reconcile-terms.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Executor = Pick<Db, 'execute'> | Pick<Tx, 'execute'>;

/** A half-open range of instants, ISO UTC. */
export interface Range {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const dayOf = (at: Date) => at.toISOString().slice(0, 10);
/** The UTC midnight at or before `at`. */
const floorDay = (at: Date) => new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
/** The UTC midnight at or after `at`. */
const ceilDay = (at: Date) => new Date(Math.ceil(at.getTime() / DAY_MS) * DAY_MS);
export const isMidnightUtc = (at: Date) => at.getTime() % DAY_MS === 0;

/**
 * `ranges` as conditions on a timestamptz column, or with `date` on a date column (ranges of UTC
 * midnights then, compared as dates, which the column's index serves).
 */
function inRanges(col: SQL, ranges: readonly Range[], type: 'timestamptz' | 'date' = 'timestamptz'): SQL {
  if (ranges.length === 0) return sql`false`;
  const bound = (iso: string) => (type === 'date' ? sql`${iso.slice(0, 10)}::date` : sql`${iso}::timestamptz`);
  return sql`(${sql.join(ranges.map((r) => sql`(${col} >= ${bound(r.from)} and ${col} < ${bound(r.to)})`), sql` or `)})`;
}

/**
 * Every piece of the organization's bill with a charge period starting in `ranges`. Columns: at,
 * amount (effective cost, else billed), currency, run_key, explained (false: no task explains it),
 * provider, service_name, resource_group, region_id, tags, resource_id, sku_id, sample, process,
 * project, pipeline.
 */
export function actualPieces(orgId: string, ranges: readonly Range[]): SQL {
  return sql`
    select x.at, x.amount, x.currency, r.id as run_key, x.explained, x.provider, x.service_name, x.resource_group, x.region_id, x.tags,
           x.resource_id, x.sku_id, t.sample, t.process, pr.code as project, pp.name as pipeline
    from (
      select a.charge_period_start as at, a.amount, a.currency, a.run_id, a.task_id, a.kind <> 'UNALLOCATED' as explained,
             c.provider, c.service_name, c.resource_group, c.region_id, c.tags, c.resource_id, c.sku_id
      from allocations a
      join cost_records c on c.org_id = a.org_id and c.row_hash = a.cost_row_hash
      -- on the hash alone (it covers the period), and the window on both sides: joined on the period as well, the planner multiplied the two
      -- selectivities and expected a thousandth of the rows (then sorted a month of pieces on disk); without the
      -- window on cost_records it read every month
      where a.org_id = ${orgId} and ${inRanges(sql`a.charge_period_start`, ranges)} and ${inRanges(sql`c.charge_period_start`, ranges)}
      union all
      select c.charge_period_start, ${lineCost(sql`c`)}, c.currency, null, null, ${isPoolLine(sql`c`)},
             c.provider, c.service_name, c.resource_group, c.region_id, c.tags, c.resource_id, c.sku_id
      from cost_records c
      where c.org_id = ${orgId} and ${inRanges(sql`c.charge_period_start`, ranges)}
        and not exists (select 1 from allocations a where a.org_id = c.org_id and a.charge_period_start = c.charge_period_start and a.cost_row_hash = c.row_hash
                            and ${inRanges(sql`a.charge_period_start`, ranges)})
    ) x
    left join runs r on r.org_id = ${orgId} and r.id = x.run_id
    left join tasks t on t.org_id = ${orgId} and t.id = x.task_id
    left join projects pr on pr.org_id = ${orgId} and pr.id = r.project_id
    left join pipelines pp on pp.org_id = ${orgId} and pp.id = r.pipeline_id`;
}

/**
 * The rollup rows of the days in `held` (ranges of UTC midnights, from `heldDays`), with the columns of
 * `actualPieces` (resource id and SKU null) and `cost_centre`. The days are named rather than checked
 * against `cost_daily_days` again: a day unlisted in between is then read as it was when the request
 * split its window, not lost to both halves.
 */
export function rollupPieces(orgId: string, held: readonly Range[]): SQL {
  return sql`
    select (d.day::timestamp at time zone 'UTC') as at, d.amount, d.currency, d.run_id as run_key, d.explained, d.provider, d.service_name,
           d.resource_group, d.region_id, d.tags, null::text as resource_id, null::text as sku_id, d.sample, d.process, d.project, d.pipeline, d.cost_centre
    from cost_daily d
    where d.org_id = ${orgId} and ${inRanges(sql`d.day`, held, 'date')}`;
}

/** The statement `heldDays` runs: the listed days in [from, to) (for raw-SQL baselines too). */
export function heldDaysQuery(orgId: string, from: Date, to: Date, rulesHash?: string): SQL {
  return sql`
    select day::text as day from cost_daily_days
    where org_id = ${orgId} and day >= ${dayOf(from)}::date and day < ${dayOf(to)}::date ${rulesHash === undefined ? sql`` : sql`and rules_hash = ${rulesHash}`}`;
}

/**
 * Splits [from, to) (UTC midnights) into the ranges of days the rollup holds and those it does not.
 * With `rulesHash`, only days built under those allocation rules count as held (for cost centres).
 */
export async function heldDays(db: Executor, orgId: string, from: Date, to: Date, rulesHash?: string): Promise<{ held: Range[]; missing: Range[] }> {
  const rows = (await db.execute(heldDaysQuery(orgId, from, to, rulesHash))) as unknown as { day: string }[];
  const listed = new Set([...rows].map((r) => r.day));
  const held: Range[] = [];
  const missing: Range[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += DAY_MS) {
    const ranges = listed.has(dayOf(new Date(t))) ? held : missing;
    const last = ranges.at(-1);
    const iso = new Date(t).toISOString();
    const next = new Date(t + DAY_MS).toISOString();
    if (last && last.to === iso) last.to = next;
    else ranges.push({ from: iso, to: next });
  }
  return { held, missing };
}

/**
 * Rebuilds the rollup for every UTC day that [from, to) touches and lists those days as held.
 * Runs in the caller's transaction (reconciliation's, so the rollup and the allocations it sums
 * commit together), after the organization's bill-write lock.
 */
export async function rebuildCostDaily(tx: Tx, orgId: string, from: Date, to: Date): Promise<{ days: number; rows: number }> {
  const fromDay = dayOf(floorDay(from));
  // at least the day of `from`, even for an empty window
  const toDay = dayOf(new Date(Math.max(ceilDay(to).getTime(), floorDay(from).getTime() + DAY_MS)));
  await tx.execute(lockCostWritesSql(orgId));
  // cost centres under the rules as this transaction reads them; the days record which rules those were
  const rules = await rulesOf(tx, orgId);
  const [{ nestloop }] = (await tx.execute(sql`select current_setting('enable_nestloop') as nestloop`)) as unknown as { nestloop: string }[];
  await tx.execute(sql`delete from cost_daily where org_id = ${orgId} and day >= ${fromDay}::date and day < ${toDay}::date`);
  const pieces = actualPieces(orgId, [{ from: `${fromDay}T00:00:00Z`, to: `${toDay}T00:00:00Z` }]);
  // hash joins only: reconciliation has just written the window's allocations, which the statistics do not
  // know yet; planned on them, the join to the lines became a nested loop that ran for minutes
  await tx.execute(sql`select set_config('enable_nestloop', 'off', true)`);
  const [inserted] = (await tx.execute(sql`
    with added as (
    insert into cost_daily (org_id, day, currency, project, pipeline, run_id, sample, process, explained, provider, service_name, resource_group,
                            region_id, tags, cost_centre, amount, pieces)
    select ${orgId}, (p.at at time zone 'UTC')::date, p.currency, p.project, p.pipeline, p.run_key, p.sample, p.process, p.explained, p.provider,
           p.service_name, p.resource_group, p.region_id, p.tags, ${pieceCostCentre(rules, 'p')}, sum(p.amount), count(*)
    from (${pieces}) p
    group by 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    returning 1)
    select count(*)::int as n from added`)) as unknown as { n: number }[];
  await tx.execute(sql`select set_config('enable_nestloop', ${nestloop}, true)`);
  const [days] = (await tx.execute(sql`
    with listed as (
    insert into cost_daily_days (org_id, day, rules_hash)
    select ${orgId}, d::date, ${rulesFingerprint(rules)} from generate_series(${fromDay}::date, ${toDay}::date - 1, interval '1 day') d
    on conflict (org_id, day) do update set built_at = now(), rules_hash = excluded.rules_hash
    returning 1)
    select count(*)::int as n from listed`)) as unknown as { n: number }[];
  return { days: days.n, rows: inserted.n };
}

/**
 * Unlists the UTC days from `from` to `to` (both included) for the organization: the explorer then
 * reads their detail until a rebuild. For postgres.js transactions (loads, syncs); takes the
 * organization's bill-write lock first.
 */
export async function invalidateCostDays(tx: postgres.TransactionSql, orgId: string, from: Date, to: Date): Promise<void> {
  await lockCostWrites(tx, orgId);
  await tx`delete from cost_daily_days where org_id = ${orgId} and day >= ${dayOf(from)}::date and day <= ${dayOf(to)}::date`;
}

/**
 * Unlists the days the run has allocations on, after its project or pipeline changed (a trace imported
 * with a project, a weblog `started` naming one, after the run's bill was reconciled): the rollup holds
 * each day's pieces under the names they had when it was built, so those days are read from the detail
 * until rebuilt. Nothing to do, and no lock taken, for a run not reconciled yet (the usual case).
 */
export async function unlistDaysOfRun(tx: Pick<Db, 'execute'>, orgId: string, runId: string): Promise<void> {
  const [{ reconciled }] = await tx.execute<{ reconciled: boolean }>(sql`select exists (select 1 from allocations where org_id = ${orgId} and run_id = ${runId}) as reconciled`);
  if (!reconciled) return;
  await tx.execute(lockCostWritesSql(orgId));
  await tx.execute(sql`
    delete from cost_daily_days d where d.org_id = ${orgId}
      and d.day in (select distinct (a.charge_period_start at time zone 'UTC')::date from allocations a where a.org_id = ${orgId} and a.run_id = ${runId})`);
}

/**
 * Rebuilds the held days whose cost centres were evaluated under other allocation rules than the
 * current ones (after a rule is added or removed), a month per transaction, so each holds the
 * bill-write lock for one month's rebuild only. Returns the days rebuilt.
 */
export async function rebuildStaleCostCentres(db: Db, orgId: string): Promise<number> {
  const hash = rulesFingerprint(await rulesOf(db, orgId));
  const months = (await db.execute(sql`
    select min(day)::text as first, max(day)::text as last from cost_daily_days
    where org_id = ${orgId} and rules_hash is distinct from ${hash}
    group by date_trunc('month', day) order by 1`)) as unknown as { first: string; last: string }[];
  let days = 0;
  for (const m of months) {
    const from = new Date(`${m.first}T00:00:00Z`);
    const to = new Date(Date.parse(`${m.last}T00:00:00Z`) + DAY_MS);
    days += (await db.transaction((tx) => rebuildCostDaily(tx, orgId, from, to))).days;
  }
  return days;
}
