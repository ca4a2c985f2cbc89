import type { AlertRow, BudgetScope, ThresholdBasis } from '../db/schema/index.js';
import { money, type Money } from '../schema/common.js';

/** A budgetBreached event as the API shows it, read back from the alert that recorded it. */
export interface BudgetBreachView {
  alert: AlertRow;
  budgetId: string;
  budgetName: string;
  scope: { kind: BudgetScope; projectCode: string | null; pipeline: string | null; tagKey: string | null; tagValue: string | null };
  percent: number;
  basis: ThresholdBasis;
  period: string;
  amount: Money;
  billed: Money;
  committed: Money;
  total: Money;
  percentUsed: string;
  forecast: Money | null;
}

export function breachOf(alert: AlertRow): BudgetBreachView {
  const s = alert.subject as Record<string, string | null>;
  const d = alert.details as Record<string, string | number | null>;
  const c = String(d.currency);
  return {
    alert,
    budgetId: String(s.budgetId),
    budgetName: String(s.budgetName),
    scope: { kind: s.scope as BudgetScope, projectCode: s.projectCode ?? null, pipeline: s.pipeline ?? null, tagKey: s.tagKey ?? null, tagValue: s.tagValue ?? null },
    percent: Number(d.percent),
    basis: d.basis as ThresholdBasis,
    period: String(d.period),
    amount: money(String(d.amount), c)!,
    billed: money(String(d.billed), c)!,
    committed: money(String(d.committed), c)!,
    total: money(String(d.total), c)!,
    percentUsed: String(d.percentUsed),
    forecast: d.forecast != null ? money(String(d.forecast), c) : null,
  };
}
