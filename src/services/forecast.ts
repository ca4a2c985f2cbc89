import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { runs, type BudgetRow } from '../db/schema/index.js';
import { billedUntilSql, runScope, runTime, unreconciledSql } from './budget-terms.js';
import { lineCost } from './reconcile-terms.js';
import type { PeriodWindow } from './budget-periods.js';
import type { BudgetSpend } from './budgets.js';
import { backtestDaily, forecastDaily, type ForecastBacktest, type SpendForecastMethod } from './spend-forecast-model.js';

export type ForecastMethod = SpendForecastMethod;

/** Days of daily history the forecast learns from (before now), at most. */
export const FORECAST_HISTORY_DAYS = 91;
const DAY_MS = 86_400_000;

/** Spend expected for the whole period, with a 90% interval; decimal strings. */
export interface BudgetForecast {
  value: string;
  low: string;
  high: string;
  /** Which model answered: SEASONAL_TREND, or SIMPLE_TREND / RUN_RATE when history is short. */
  method: ForecastMethod;
  historyDays: number;
  backtest: ForecastBacktest;
}

/**
 * The scope's spend per UTC day over [from, to), oldest first, days without spend as 0. Bill-read
 * scopes: the bill lines charged that day. Run-read scopes: the runs that started that day, each at
 * what it is known to cost (reconciled, plus what of its estimate is not yet): a run the bill has not
 * reached yet is not a day without spend.
 */
async function dailySpend(db: Db, budget: BudgetRow, from: Date, to: Date): Promise<number[]> {
  let daily: SQL;
  const f = from.toISOString();
  const t = to.toISOString();
  if (budget.scope === 'PROJECT' || budget.scope === 'PIPELINE') {
    daily = sql`select (${runTime} at time zone 'UTC')::date as day, sum(coalesce(${runs.actualCost}, 0) + coalesce(${unreconciledSql}, 0)) as cost from ${runs}
      where ${runs.orgId} = ${budget.orgId} and ${runs.currency} = ${budget.currency} and ${runScope(budget)}
        and ${runTime} >= ${f}::timestamptz and ${runTime} < ${t}::timestamptz group by 1`;
  } else {
    const tagged = budget.scope === 'TAG' ? sql`and tags @> ${JSON.stringify({ [budget.tagKey!]: budget.tagValue! })}::jsonb` : sql``;
    daily = sql`select (charge_period_start at time zone 'UTC')::date as day, sum(${lineCost(sql`cost_records`)}) as cost from cost_records
      where org_id = ${budget.orgId} and currency = ${budget.currency} and charge_period_start >= ${f}::timestamptz and charge_period_start < ${t}::timestamptz ${tagged} group by 1`;
  }
  // the model is fitted in floating point (it is an estimate); the sums it learns from are numeric
  const rows = await db.execute<{ cost: string }>(sql`
    with d as (${daily})
    select coalesce(d.cost, 0)::text as cost
    from generate_series((${f}::timestamptz at time zone 'UTC')::date, (${t}::timestamptz at time zone 'UTC')::date - 1, interval '1 day') g(day)
    left join d on d.day = g.day::date order by g.day`);
  return rows.map((r) => Number(r.cost));
}

/**
 * The first UTC day the scope's history cannot hold yet. A bill-read scope: the first day the
 * organization's bill does not reach (bills lag a day or more; a day not billed yet is not a day
 * without spend), at most today (today is still being billed). A run-read scope: today (its days
 * hold every run, reconciled or estimated).
 */
async function historyEnd(db: Db, budget: BudgetRow, today: Date): Promise<Date> {
  if (budget.scope === 'PROJECT' || budget.scope === 'PIPELINE') return today;
  const [row] = await db.execute<{ until: string | null }>(sql`select ${billedUntilSql(budget.orgId)}::text as until`);
  if (!row.until) return today;
  const until = new Date(row.until);
  const day = new Date(Date.UTC(until.getUTCFullYear(), until.getUTCMonth(), until.getUTCDate()));
  return day < today ? day : today;
}

const wholeDays = (from: Date, to: Date) => Math.max(0, Math.round((to.getTime() - from.getTime()) / DAY_MS));

/**
 * Forecast for the whole period: spend so far (billed + committed, numeric) + the model's forecast
 * of the days the bill does not hold yet. The history starts at the first day the scope has spend
 * (up to FORECAST_HISTORY_DAYS back), so a new scope falls back to the simpler models and says so.
 *
 * The days the bill has not reached but that have passed (bills lag) hold runs known to be in flight,
 * which `committed` counts, and everything else (storage, idle nodes) the trend expects: the forecast
 * takes the larger of the two for those days, then the trend for the days still to come.
 */
export async function forecastBudget(db: Db, budget: BudgetRow, period: PeriodWindow, spend: BudgetSpend, at: Date): Promise<BudgetForecast> {
  const now = at < period.end ? at : period.end;
  // whole days only: today is still being billed
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const cut = await historyEnd(db, budget, today);
  const from = new Date(cut.getTime() - FORECAST_HISTORY_DAYS * DAY_MS);
  let history = await dailySpend(db, budget, from, cut);
  const firstSpend = history.findIndex((v) => v !== 0);
  history = firstSpend < 0 ? [] : history.slice(firstSpend);
  const firstDay = new Date(cut.getTime() - history.length * DAY_MS);
  // the forecast covers the unbilled days inside the period: a period that starts later skips to it
  const horizonStart = period.start > cut ? period.start : cut;
  const skip = wholeDays(cut, horizonStart);
  const lagDays = wholeDays(horizonStart, today > horizonStart ? today : horizonStart);
  const days = wholeDays(horizonStart, period.end);
  const all = forecastDaily(history, firstDay.getUTCDay(), days, skip);
  const lag = forecastDaily(history, firstDay.getUTCDay(), Math.min(lagDays, days), skip);
  // billed + the forecast of every unbilled day + what the runs in flight exceed the forecast's lag days by;
  // never below the spend so far
  const [row] = await db.execute<{ value: string; low: string; high: string }>(sql`
    with p as (select ${spend.billed}::numeric as billed, ${spend.total}::numeric as total,
                      greatest(${spend.committed}::numeric - ${lag.total.toFixed(4)}::numeric, 0) as beyond)
    select round(greatest(total, billed + ${all.total.toFixed(4)}::numeric + beyond), 4)::text as value,
           round(greatest(total, billed + ${all.low.toFixed(4)}::numeric + beyond), 4)::text as low,
           round(greatest(total, billed + ${all.high.toFixed(4)}::numeric + beyond), 4)::text as high
    from p`);
  return { ...row, method: all.method, historyDays: history.length, backtest: backtestDaily(history, firstDay.getUTCDay()) };
}
