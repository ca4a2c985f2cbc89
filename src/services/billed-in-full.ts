/**
 * Billed in full: whether a run's actual cost — what reconciliation has allocated to it so far — is
 * its whole bill, so that a run-level model or a quote's track record may learn from it.
 *
 * A run is billed in full when, on its own, nothing keeps its allocations short (it ended
 * BILL_SETTLE_HOURS ago, so its bill is in and revised; no task was CACHED, since a resumed run's cost
 * is not its size's; every task that ran sat in a billed pool and has a known end), and every UTC
 * day it ran on (daily lines start at midnight) was last reconciled whole, sharing idle, after that —
 * by one window or by several. A later window that keeps idle apart over any part of one of its days
 * undoes it. It cannot see a bill still missing hours after the settling time: a failed import.
 *
 * Decided by each reconciliation for the runs whose days its window touches (markBilledInFull), so
 * that reading it costs a column; capture undoes it when a task new to the run arrives (its bill was
 * reconciled without it). A run longer than a sync's window is never held whole by one, and a run
 * whose tasks arrived late is not reconciled again by itself; so a sync's or an import's
 * reconciliation reaches back to the first day of such runs (withSettledRuns), once: after it they
 * are billed in full.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { IdleMode } from '../config.js';
import type { Db } from '../db/client.js';
import { MAX_RECONCILE_DAYS, type ReconcileWindow } from './reconcile.js';
import { taskEndSql } from './task-times.js';

/** Hours after a run ends before its bill is taken as final: cloud usage is revised for about 72 h. */
export const BILL_SETTLE_HOURS = 72;
/** How far before a sync's or import's window a run may have started and still be reached back for. */
export const SETTLED_RUN_REACH_DAYS = 30;

type Executor = Pick<Db, 'execute'>;

const day = (ts: SQL) => sql`date_trunc('day', ${ts}, 'UTC')`;

/** Over a run `r`: all but its days' reconciliation. `billedPools`: a query of the names of pools a bill line can find. */
function settledOnItsOwn(billedPools: SQL): SQL {
  return sql`r.started_at is not null and r.completed_at is not null
    and r.completed_at + ${BILL_SETTLE_HOURS} * interval '1 hour' <= now()
    and not exists (
      select 1 from tasks t
      where t.org_id = r.org_id and t.run_id = r.id
        and (t.status = 'CACHED' or (t.started_at is not null and (
          t.pool is null or t.pool not in (${billedPools}) or ${taskEndSql} is null))))`;
}

/**
 * Reconciliation step 5b, inside its transaction (after rc_pools is filled): for every run whose days
 * [from, to) touches, decides `billed_in_full` from the reconciliations recorded so far, this one
 * (still RUNNING) being the latest.
 */
export async function markBilledInFull(tx: Executor, orgId: string, reconciliationId: string, from: string, to: string): Promise<void> {
  const counted = (alias: string) => sql`(${sql.raw(alias)}.status = 'SUCCEEDED' or ${sql.raw(alias)}.id = ${reconciliationId})`;
  const order = (alias: string) => sql`coalesce(${sql.raw(alias)}.finished_at, 'infinity')`;
  const touched = sql`r.org_id = ${orgId} and r.started_at is not null and r.completed_at is not null
    and ${day(sql`r.started_at`)} < ${to}::timestamptz and ${day(sql`r.completed_at`)} + interval '1 day' > ${from}::timestamptz`;
  // per day the touched runs ran on: when its last whole reconciliation started, if it shared idle
  // and nothing after it kept idle apart over the day; else null
  await tx.execute(sql`create temp table rc_days (day timestamptz primary key, settled_at timestamptz) on commit drop`);
  await tx.execute(sql`
    insert into rc_days
    select d.day, (
      select case when w.idle_mode = 'SHARE' and not exists (
          select 1 from reconciliations k
          where k.org_id = ${orgId} and ${counted('k')} and k.idle_mode <> 'SHARE'
            and k.window_start < d.day + interval '1 day' and k.window_end > d.day and ${order('k')} > ${order('w')})
        then w.started_at end
      from reconciliations w
      where w.org_id = ${orgId} and ${counted('w')} and w.window_start <= d.day and w.window_end >= d.day + interval '1 day'
      order by ${order('w')} desc limit 1)
    from (select distinct generate_series(${day(sql`r.started_at`)}, ${day(sql`r.completed_at`)}, interval '1 day') as day
          from runs r where ${touched}) d`);
  await tx.execute(sql`
    update runs r set billed_in_full = (${settledOnItsOwn(sql`select name from rc_pools`)}
      and not exists (
        select 1 from rc_days d
        where d.day >= ${day(sql`r.started_at`)} and d.day <= ${day(sql`r.completed_at`)}
          and (d.settled_at is null or d.settled_at < r.completed_at + ${BILL_SETTLE_HOURS} * interval '1 hour')))
    where ${touched}`);
}

/**
 * The window a sync's or an import's reconciliation should replace: `window`, reaching back to the
 * first UTC day of every finished run that ends by its end, started at most SETTLED_RUN_REACH_DAYS
 * before it, is settled on its own and is not yet billed in full — so that, once reconciled, it is.
 * With idle kept apart no run can be, and the window stays as asked.
 */
export async function withSettledRuns(db: Executor, orgId: string, window: ReconcileWindow, idleMode: IdleMode): Promise<ReconcileWindow> {
  if (idleMode !== 'SHARE') return window;
  const from = window.from.toISOString();
  const to = window.to.toISOString();
  // the pools a bill line can find: what reconciliation reads into rc_pools
  const billedPools = sql`select p.name from pools p where p.org_id = ${orgId} and coalesce(p.resource_id, '') <> ''`;
  const [row] = (await db.execute(sql`
    select min(${day(sql`r.started_at`)}) as first_day from runs r
    where r.org_id = ${orgId} and r.status = 'SUCCEEDED' and not r.billed_in_full and ${settledOnItsOwn(billedPools)}
      and ${day(sql`r.started_at`)} < ${from}::timestamptz
      and ${day(sql`r.started_at`)} >= greatest(${from}::timestamptz - ${`${SETTLED_RUN_REACH_DAYS} days`}::interval,
                                                ${to}::timestamptz - ${`${MAX_RECONCILE_DAYS} days`}::interval)
      and ${day(sql`r.completed_at`)} + interval '1 day' <= ${to}::timestamptz`)) as unknown as { first_day: string | Date | null }[];
  return row?.first_day ? { from: new Date(row.first_day), to: window.to } : window;
}
