/**
 * Billed in full: whether a run's actual cost — what reconciliation has allocated to it so far — is
 * its whole bill, so that a run-level model or a quote's track record may learn from it.
 *
 * A run is billed in full when, on its own, nothing keeps its allocations short (it ended
 * BILL_SETTLE_HOURS ago, so its bill is in and revised; no task was CACHED, since a resumed run's cost
 * is not its size's; every task that ran sat in a billed pool and has a known end); every task that
 * ran was allocated every hour it ran by lines of machine time (in hours, or in no unit: a disk's line
 * in GB does not stand for compute), so a bill missing hours does not pass; and every UTC day it ran
 * on (daily lines start at midnight) was last reconciled whole, sharing idle, after its facts settled
 * (the bill, its tasks as they are now, its pools as declared now), with the day's synced pool lines
 * loaded 72 h after their hours — by one window or several, a later window keeping idle apart over any
 * part of one of its days undoing it. A sync replaces its window's lines, so a line's load time is its
 * last; a file's unchanged lines are not rewritten when imported again, so files are taken as loaded.
 *
 * Decided by each reconciliation for the runs whose days its window touches (markBilledInFull), so
 * that reading it costs a column; capture undoes it when a task of the run arrives or changes. A run
 * longer than a sync's window is never held whole by one, and a run whose facts changed is not
 * reconciled again by itself; so a sync's or an import's reconciliation reaches back to the first day
 * of such runs (withSettledRuns) — once: afterwards their days were reconciled after their facts.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { IdleMode } from '../config.js';
import type { Db } from '../db/client.js';
import { MAX_RECONCILE_DAYS, hasBillResource, machineTime, type ReconcileWindow } from './reconcile-terms.js';
import { taskEndSql, taskRanSql } from './task-times.js';

/** Hours after a run ends before its bill is taken as final: cloud usage is revised for about 72 h. */
export const BILL_SETTLE_HOURS = 72;
/** How far before a sync's or import's window a run may have started and still be reached back for. */
export const SETTLED_RUN_REACH_DAYS = 30;

type Executor = Pick<Db, 'execute'>;

const day = (ts: SQL) => sql`date_trunc('day', ${ts}, 'UTC')`;
/** Not `interval '1 day'`: on timestamptz that follows the session's time zone (a 23- or 25-hour day). */
const DAY = sql.raw(`interval '24 hours'`);
const hours = (n: number) => sql.raw(`interval '${n} hours'`);
const SETTLE = hours(BILL_SETTLE_HOURS);

/** Over a run `r`: it ends, not before it starts and within a year of it; else bad data, never billed. */
const saneSpan = sql`r.completed_at between r.started_at and r.started_at + ${hours(MAX_RECONCILE_DAYS * 24)}`;

/** The UTC days (`day`) the runs `r` of `runs` ran on, each once. */
function runDays(runs: SQL): SQL {
  return sql`select distinct generate_series(${day(sql`r.started_at`)}, ${day(sql`r.completed_at`)}, ${DAY}) as day from ${runs}`;
}

/**
 * Over a run `r`: all but its days' reconciliation. `billedPools`: a query of the names of pools a bill
 * line can find.
 */
function settledOnItsOwn(billedPools: SQL): SQL {
  return sql`r.started_at is not null and r.completed_at is not null and ${saneSpan}
    and r.completed_at + ${SETTLE} <= now()
    and not exists (
      select 1 from tasks t
      where t.org_id = r.org_id and t.run_id = r.id
        and (t.status = 'CACHED' or (t.started_at is not null and (
          t.pool is null or t.pool not in (${billedPools}) or ${taskEndSql} is null))))`;
}

/**
 * Over a UTC day `d`: when the last reconciliation holding it whole started, if that one shared idle,
 * none after it kept idle apart over any of the day, and (with `billSettled`) the day's pool lines it
 * read were loaded 72 h after their periods; else null. Reconciliations count once they SUCCEEDED,
 * and so does `current` (the one RUNNING in this transaction: the latest).
 */
function daySettledAt(orgId: string, d: SQL, current: string | null, billSettled: boolean): SQL {
  const counted = (alias: string) => sql`(${sql.raw(alias)}.status = 'SUCCEEDED' or ${sql.raw(alias)}.id = ${current}::uuid)`;
  const order = (alias: string) => sql`coalesce(${sql.raw(alias)}.finished_at, 'infinity')`;
  return sql`(
    select case when w.idle_mode = 'SHARE'
        and not (${billSettled} and (${d} at time zone 'UTC')::date = any(w.unsettled_days))
        and not exists (
          select 1 from reconciliations k
          where k.org_id = ${orgId} and ${counted('k')} and k.idle_mode <> 'SHARE'
            and k.window_start < ${d} + ${DAY} and k.window_end > ${d} and ${order('k')} > ${order('w')})
      then w.started_at end
    from reconciliations w
    where w.org_id = ${orgId} and ${counted('w')} and w.window_start <= ${d} and w.window_end >= ${d} + ${DAY}
    order by ${order('w')} desc limit 1)`;
}

/**
 * Over a run `r`: the time from which a reconciliation of its days sees all it will: its bill settled,
 * its tasks as they are now (one that arrived or changed later was not there to be allocated), and the
 * pools they ran in as declared now (a resource id given later lets bill lines find them).
 */
const factsSettledAt = sql`greatest(r.completed_at + ${SETTLE},
  (select max(t.updated_at) from tasks t where t.org_id = r.org_id and t.run_id = r.id),
  (select max(p.updated_at) from pools p where p.org_id = r.org_id
     and p.name in (select t.pool from tasks t where t.org_id = r.org_id and t.run_id = r.id)))`;

/** Over a run `r`: a day `d` of `days` (its days) not reconciled after its facts settled (`factsAt`, by default factsSettledAt). */
function dayNotSettled(days: SQL, factsAt: SQL = factsSettledAt): SQL {
  return sql`exists (
    select 1 from ${days}
    where d.day between ${day(sql`r.started_at`)} and ${day(sql`r.completed_at`)}
      and coalesce(d.settled_at, '-infinity'::timestamptz) < ${factsAt})`;
}

/**
 * Reconciliation step 5b, inside its transaction (after rc_pools and rc_lines are filled and this
 * window's allocations are written): records the window's days whose pool lines were loaded too soon
 * to be final, then, for every run whose days [from, to) touches, decides `billed_in_full` from the
 * reconciliations recorded so far, this one (still RUNNING) being the latest, and from the allocations
 * of every window: each task that ran must have been allocated its every hour, so an hour the bill
 * lacks (a failed import; a line billed at zero) leaves the run out.
 */
export async function markBilledInFull(tx: Executor, orgId: string, reconciliationId: string, from: string, to: string): Promise<void> {
  await tx.execute(sql`
    update reconciliations set unsettled_days = coalesce((
      select array_agg(distinct (l.ps at time zone 'UTC')::date order by (l.ps at time zone 'UTC')::date) from rc_lines l
      where l.pool_id is not null and l.loaded_at < l.pe + ${SETTLE}), '{}')
    where org_id = ${orgId} and id = ${reconciliationId}`);
  const touched = sql`r.org_id = ${orgId} and r.started_at is not null and r.completed_at is not null
    and ${day(sql`r.started_at`)} < ${to}::timestamptz and ${day(sql`r.completed_at`)} + ${DAY} > ${from}::timestamptz`;
  await tx.execute(sql`create temp table rc_days (day timestamptz primary key, settled_at timestamptz) on commit drop`);
  await tx.execute(sql`
    insert into rc_days
    select d.day, ${daySettledAt(orgId, sql`d.day`, reconciliationId, true)}
    from (${runDays(sql`runs r where ${touched} and ${saneSpan}`)}) d`);
  // hours allocated to each task by lines that may be machine time (a disk's daily line, in GB, covers
  // the day, not the compute): a task's hours in a period are spread over its group's lines (a pool
  // billed per VM or per meter has several a period, see reconcile's lineGroup), so they are summed
  // per group, and each period counted once (its hourly and daily lines, two currencies' views, each
  // hold them whole). This window's from its own temp tables; other windows' from the stored
  // allocations of the touched runs' days outside it, grouped as reconcile grouped them (the task
  // gives the pool; WEIGHT is the group without a rate). Reading all of a run's allocations back cost
  // 33 s at 1,000,000 tasks.
  await tx.execute(sql`
    create temp table rc_short_runs on commit drop as
    with runs_touched as (select r.id, r.started_at, r.completed_at from runs r where ${touched}),
    span as (select min(${day(sql`started_at`)}) as lo, max(${day(sql`completed_at`)}) + ${DAY} as hi from runs_touched),
    grouped as (
      select a.task_id, l.ps, sum(a.hours) as h from rc_task_alloc a join rc_lines l using (line_id)
      where a.run_id in (select id from runs_touched) and ${machineTime(sql`l`)}
      group by a.task_id, l.ps, l.grp
      union all
      select a.task_id, a.charge_period_start, sum(a.hours) from allocations a
      cross join span
      join cost_records cr on cr.org_id = a.org_id and cr.charge_period_start = a.charge_period_start and cr.row_hash = a.cost_row_hash
      where a.org_id = ${orgId} and a.kind = 'TASK' and a.run_id in (select id from runs_touched) and ${machineTime(sql`cr`)}
        and ((a.charge_period_start >= span.lo and a.charge_period_start < ${from}::timestamptz)
          or (a.charge_period_start >= ${to}::timestamptz and a.charge_period_start < span.hi))
      group by a.task_id, a.charge_period_start, cr.charge_period_end, a.currency, a.method = 'WEIGHT'),
    pieces as (select task_id, ps, max(h) as h from grouped group by task_id, ps),
    covered as (select task_id, sum(h) as hours from pieces group by task_id)
    select distinct t.run_id from tasks t
    left join covered c on c.task_id = t.id
    where t.org_id = ${orgId} and t.run_id in (select id from runs_touched) and t.started_at is not null and ${taskRanSql}
      -- a second's slack for the rounding of allocated hours
      and coalesce(c.hours, 0) * 3600 < extract(epoch from ${taskEndSql} - t.started_at) - 1`);
  await tx.execute(sql`
    update runs r set billed_in_full = (${settledOnItsOwn(sql`select name from rc_pools`)}
      and r.id not in (select run_id from rc_short_runs)
      and not ${dayNotSettled(sql`rc_days d`)})
    where ${touched}`);
}

/**
 * The window a sync's or an import's reconciliation should replace: `window`, reaching back to the
 * first UTC day of every SUCCEEDED run that ends by its end, started at most SETTLED_RUN_REACH_DAYS
 * before it, is settled on its own, is not billed in full, and has a day not reconciled since its
 * facts settled — so that, once reconciled, it is billed in full unless its bill lacks hours or was
 * synced too soon (then the next reach waits for a fact to change, and a sync reloading those days
 * reconciles them itself). With idle kept apart no run can be, and the window stays as asked.
 */
export async function withSettledRuns(db: Executor, orgId: string, window: ReconcileWindow, idleMode: IdleMode): Promise<ReconcileWindow> {
  if (idleMode !== 'SHARE') return window;
  const from = window.from.toISOString();
  const to = window.to.toISOString();
  // the pools a bill line can find: what reconciliation reads into rc_pools
  const billedPools = sql`select p.name from pools p where p.org_id = ${orgId} and ${hasBillResource(sql`p`)}`;
  // each distinct day of the candidates looked up once, as markBilledInFull does
  const [row] = (await db.execute(sql`
    with candidates as (
      select r.id, r.started_at, r.completed_at, r.org_id, ${factsSettledAt} as facts_at from runs r
      where r.org_id = ${orgId} and r.status = 'SUCCEEDED' and not r.billed_in_full and ${settledOnItsOwn(billedPools)}
        and ${day(sql`r.started_at`)} < ${from}::timestamptz
        and ${day(sql`r.started_at`)} >= greatest(${from}::timestamptz - ${hours(SETTLED_RUN_REACH_DAYS * 24)},
                                                  ${to}::timestamptz - ${hours(MAX_RECONCILE_DAYS * 24)})
        and ${day(sql`r.completed_at`)} + ${DAY} <= ${to}::timestamptz),
    -- materialized: inlined, the lookup ran once per run and day (1.5 s for 5,000 runs)
    days as materialized (
      select d.day, ${daySettledAt(orgId, sql`d.day`, null, false)} as settled_at
      from (${runDays(sql`candidates r`)}) d)
    select min(${day(sql`r.started_at`)}) as first_day from candidates r
    -- once its days were reconciled after its facts settled, reconciling them again changes nothing (a
    -- day whose lines were loaded too soon is reconciled again by the sync that loads it again)
    where ${dayNotSettled(sql`days d`, sql`r.facts_at`)}`)) as unknown as { first_day: string | Date | null }[];
  return row?.first_day ? { from: new Date(row.first_day), to: window.to } : window;
}
