import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { BudgetRow } from '../db/schema/index.js';
import type { PeriodWindow } from './budget-periods.js';
import type { BudgetSpend } from './budgets.js';

export type ForecastMethod = 'RUN_RATE';

/** Spend expected for the whole period, with an interval; decimal strings. */
export interface BudgetForecast {
  value: string;
  low: string;
  high: string;
  method: ForecastMethod;
}

/**
 * Run rate: spend so far + the billed daily rate so far × days left. Committed estimates are
 * already spend the bill will show, so they are added once, not extrapolated.
 */
export async function forecastBudget(db: Db, budget: BudgetRow, period: PeriodWindow, spend: BudgetSpend, at: Date): Promise<BudgetForecast> {
  const now = at < period.end ? at : period.end;
  const [row] = await db.execute<{ value: string }>(sql`
    select round(${spend.total}::numeric
      + ${spend.billed}::numeric / greatest(extract(epoch from (${now.toISOString()}::timestamptz - ${period.start.toISOString()}::timestamptz)) / 86400, 1)
        * extract(epoch from (${period.end.toISOString()}::timestamptz - ${now.toISOString()}::timestamptz)) / 86400, 4)::text as value`);
  void budget;
  return { value: row.value, low: row.value, high: row.value, method: 'RUN_RATE' };
}
