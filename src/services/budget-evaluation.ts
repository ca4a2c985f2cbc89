import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { budgets, projects, type AlertRow, type AlertSeverity, type BudgetRow, type BudgetThreshold } from '../db/schema/index.js';
import { publishEvent } from '../events/publish.js';
import { raiseAlert } from './alerts.js';
import { canonicalDecimal, parseDecimal } from '../ingest/costs/decimal.js';
import { periodAt, type PeriodWindow } from './budget-periods.js';
import { budgetSpend, type BudgetSpend } from './budgets.js';
import { forecastBudget, type BudgetForecast } from './forecast.js';

/** Published once per alert a budget threshold raises (key: the alert id). */
export const BUDGET_BREACHED = 'budgetBreached';

export interface EvaluationReport {
  evaluated: number;
  /** Alerts this call raised (a concurrent call that raced it to the same threshold raised none). */
  raised: AlertRow[];
}

const severityOf = (percent: number): AlertSeverity => (percent >= 100 ? 'CRITICAL' : percent >= 80 ? 'WARNING' : 'INFO');

/**
 * Names one crossing: the same threshold of the same budget, at the same amount, in the same period
 * raises once. The amount is in it because a budget raised after an alert is a new limit: crossing it
 * is news (the lowered or restored amount an alert was already raised for is not).
 */
export const budgetDedupeKey = (budget: Pick<BudgetRow, 'id' | 'amount' | 'currency'>, t: BudgetThreshold, periodKey: string) =>
  `budget:${budget.id}:${t.basis}:${t.percent}:${periodKey}:${canonicalDecimal(parseDecimal(budget.amount) ?? budget.amount)} ${budget.currency}`;

/**
 * Days after a calendar period ends during which it is still evaluated: its last days' bill lines
 * arrive a day to three late, are revised for about 72 h, and reconciliation (project and pipeline
 * budgets) follows them. A breach those lines make is still the closed period's.
 */
export const CLOSED_PERIOD_GRACE_DAYS = 7;

/** The periods of `budget` evaluated at `at`: the one containing it, and the one before while its bill may still come in. */
export function periodsToEvaluate(budget: BudgetRow, at: Date): PeriodWindow[] {
  const current = periodAt(budget, at);
  if (budget.period === 'CUSTOM') return [current];
  const previous = periodAt(budget, new Date(current.start.getTime() - 1));
  const closedFor = at.getTime() - previous.end.getTime();
  // a budget created or changed after the period ended was not the period's budget: it is not judged on it
  const setBefore = budget.createdAt < previous.end && budget.updatedAt < previous.end;
  return closedFor < CLOSED_PERIOD_GRACE_DAYS * 86_400_000 && setBefore ? [previous, current] : [current];
}

/**
 * Evaluates an organization's budgets (or one) for the period containing `at`, and the one before
 * while its bill may still arrive (periodsToEvaluate), and raises an alert per threshold crossed.
 * Safe to run twice or concurrently: the alert's dedupe key makes the second raise a no-op (the unique
 * index serialises concurrent inserts), and `budgetBreached` is published in the same transaction as
 * the insert that won, so one crossing is one alert and one event.
 */
export async function evaluateBudgets(db: Db, orgId: string, opts: { budgetId?: string; at?: Date } = {}): Promise<EvaluationReport> {
  const at = opts.at ?? new Date();
  const rows = await db
    .select({ budget: budgets, projectCode: projects.code })
    .from(budgets)
    .leftJoin(projects, and(eq(projects.orgId, budgets.orgId), eq(projects.id, budgets.projectId)))
    .where(and(eq(budgets.orgId, orgId), opts.budgetId ? eq(budgets.id, opts.budgetId) : undefined));
  const raised: AlertRow[] = [];
  for (const { budget, projectCode } of rows) {
    if (budget.thresholds.length === 0) continue;
    for (const period of periodsToEvaluate(budget, at)) {
      // a custom budget before its range has nothing to say yet
      if (at < period.start) continue;
      const spend = await budgetSpend(db, budget, period, at);
      const needsForecast = budget.thresholds.some((t) => t.basis === 'FORECAST');
      const forecast = needsForecast ? await forecastBudget(db, budget, period, spend, at) : null;
      const crossed = await crossedThresholds(db, budget, spend, forecast);
      for (const t of crossed) {
        const alert = await db.transaction(async (tx) => {
          const row = await raiseAlert(tx, orgId, breachAlert(budget, projectCode, t, spend, forecast));
          if (row) await publishEvent(tx, { topic: BUDGET_BREACHED, orgId, key: row.id });
          return row;
        });
        if (alert) raised.push(alert);
      }
    }
  }
  return { evaluated: rows.length, raised };
}

/** Compared in SQL numeric: spend (or forecast) ≥ amount × percent / 100. */
async function crossedThresholds(db: Db, budget: BudgetRow, spend: BudgetSpend, forecast: BudgetForecast | null): Promise<BudgetThreshold[]> {
  const values = budget.thresholds.map((t, i) => sql`(${i}::int, ${t.basis === 'ACTUAL' ? spend.total : (forecast?.value ?? '0')}::numeric, ${t.percent}::numeric)`);
  const rows = await db.execute<{ i: number }>(sql`
    select i from (values ${sql.join(values, sql`, `)}) as v(i, spent, percent)
    where spent >= ${budget.amount}::numeric * percent / 100 order by i`);
  return rows.map((r) => budget.thresholds[r.i]);
}

function breachAlert(budget: BudgetRow, projectCode: string | null, t: BudgetThreshold, spend: BudgetSpend, forecast: BudgetForecast | null) {
  const what = t.basis === 'ACTUAL' ? 'spend' : 'forecast spend';
  const c = budget.currency;
  const message =
    t.basis === 'ACTUAL'
      ? `billed ${spend.billed} + in flight ${spend.committed} of ${budget.amount} ${c} (${spend.percentUsed}%) in ${spend.period.key}`
      : `forecast ${forecast!.value} ${c} (${forecast!.low}–${forecast!.high}, ${forecast!.method}) of ${budget.amount} ${c} by the end of ${spend.period.key}`;
  return {
    kind: t.basis === 'ACTUAL' ? ('BUDGET_ACTUAL' as const) : ('BUDGET_FORECAST' as const),
    severity: severityOf(t.percent),
    dedupeKey: budgetDedupeKey(budget, t, spend.period.key),
    title: `Budget "${budget.name}": ${what} reached ${t.percent}%`,
    message,
    subject: { budgetId: budget.id, budgetName: budget.name, scope: budget.scope, projectId: budget.projectId, projectCode, pipeline: budget.pipelineName, tagKey: budget.tagKey, tagValue: budget.tagValue },
    details: {
      percent: t.percent,
      basis: t.basis,
      period: spend.period.key,
      periodStart: spend.period.start.toISOString(),
      periodEnd: spend.period.end.toISOString(),
      amount: budget.amount,
      currency: c,
      billed: spend.billed,
      committed: spend.committed,
      total: spend.total,
      percentUsed: spend.percentUsed,
      ...(forecast ? { forecast: forecast.value, forecastLow: forecast.low, forecastHigh: forecast.high, forecastMethod: forecast.method } : {}),
    },
  };
}

/** Organizations with at least one budget (the scheduled evaluation visits only these). */
export async function orgsWithBudgets(db: Db): Promise<string[]> {
  const rows = await db.execute<{ org_id: string }>(sql`select distinct org_id from ${budgets}`);
  return rows.map((r) => r.org_id);
}
