import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { BudgetRow } from '../db/schema/index.js';
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

/** The scope's billed spend per UTC day over [from, to), oldest first, days without spend as 0. */
async function dailyBilled(db: Db, budget: BudgetRow, from: Date, to: Date): Promise<number[]> {
  let daily: SQL;
  const f = from.toISOString();
  const t = to.toISOString();
  if (budget.scope === 'PROJECT' || budget.scope === 'PIPELINE') {
    const runTime = sql`coalesce(r.started_at, r.submitted_at, r.created_at)`;
    const scope =
      budget.scope === 'PROJECT'
        ? sql`r.project_id = ${budget.projectId}`
        : sql`r.pipeline_id in (select id from pipelines where org_id = ${budget.orgId} and name = ${budget.pipelineName})`;
    daily = sql`select (${runTime} at time zone 'UTC')::date as day, sum(r.actual_cost) as cost from runs r
      where r.org_id = ${budget.orgId} and r.currency = ${budget.currency} and r.actual_cost is not null and ${scope}
        and ${runTime} >= ${f}::timestamptz and ${runTime} < ${t}::timestamptz group by 1`;
  } else {
    const tagged = budget.scope === 'TAG' ? sql`and tags @> ${JSON.stringify({ [budget.tagKey!]: budget.tagValue! })}::jsonb` : sql``;
    daily = sql`select (charge_period_start at time zone 'UTC')::date as day, sum(billed_cost) as cost from cost_records
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
 * Forecast for the whole period: spend so far (billed + committed, numeric) + the model's forecast
 * of billed spend for the days left. The history starts at the first day the scope has spend (up to
 * FORECAST_HISTORY_DAYS back), so a new scope falls back to the simpler models and says so.
 */
export async function forecastBudget(db: Db, budget: BudgetRow, period: PeriodWindow, spend: BudgetSpend, at: Date): Promise<BudgetForecast> {
  const now = at < period.end ? at : period.end;
  // whole days only: today is still being billed
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const from = new Date(today.getTime() - FORECAST_HISTORY_DAYS * DAY_MS);
  let history = await dailyBilled(db, budget, from, today);
  const firstSpend = history.findIndex((v) => v !== 0);
  history = firstSpend < 0 ? [] : history.slice(firstSpend);
  const firstDay = new Date(today.getTime() - history.length * DAY_MS);
  const horizon = Math.max(0, Math.round((period.end.getTime() - today.getTime()) / DAY_MS));
  const f = forecastDaily(history, firstDay.getUTCDay(), horizon);
  // the horizon starts today: bills lag a day or more, so today is forecast rather than read from a bill that is not there yet
  const [row] = await db.execute<{ value: string; low: string; high: string }>(sql`
    select round(${spend.total}::numeric + ${f.total.toFixed(4)}::numeric, 4)::text as value,
           round(${spend.total}::numeric + ${f.low.toFixed(4)}::numeric, 4)::text as low,
           round(${spend.total}::numeric + ${f.high.toFixed(4)}::numeric, 4)::text as high`);
  return { ...row, method: f.method, historyDays: history.length, backtest: backtestDaily(history, firstDay.getUTCDay()) };
}
