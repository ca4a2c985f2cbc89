import type { BudgetRow } from '../db/schema/index.js';
import { badInput } from '../errors.js';

/** A budget period instance: half-open [start, end), UTC, and a stable key naming it in dedupe keys. */
export interface PeriodWindow {
  start: Date;
  end: Date;
  key: string;
}

const utc = (y: number, m: number, d = 1) => new Date(Date.UTC(y, m, d));

/** The period of `budget` that contains `at` (CUSTOM budgets have one period: their range). */
export function periodAt(budget: Pick<BudgetRow, 'period' | 'startsAt' | 'endsAt'>, at: Date): PeriodWindow {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  switch (budget.period) {
    case 'MONTH':
      return { start: utc(y, m), end: utc(y, m + 1), key: `${y}-${String(m + 1).padStart(2, '0')}` };
    case 'QUARTER': {
      const q = Math.floor(m / 3);
      return { start: utc(y, q * 3), end: utc(y, q * 3 + 3), key: `${y}-Q${q + 1}` };
    }
    case 'YEAR':
      return { start: utc(y, 0), end: utc(y + 1, 0), key: `${y}` };
    case 'CUSTOM': {
      if (!budget.startsAt || !budget.endsAt) throw new Error('a CUSTOM budget needs startsAt and endsAt');
      return { start: budget.startsAt, end: budget.endsAt, key: `${budget.startsAt.toISOString()}_${budget.endsAt.toISOString()}` };
    }
  }
}

/**
 * How far past the server's clock a status instant may be: a caller passing its own "now" from a clock
 * a little ahead. Spend is known up to now only; a later instant would answer today's spend as that
 * instant's (and a forecast from days not passed yet), so it is refused rather than guessed.
 */
export const STATUS_CLOCK_SKEW_MS = 5 * 60_000;

/** The instant a budget's status is read at: `at`, else `now`; BAD_USER_INPUT naming `at` when it is later than now. */
export function statusInstant(at: Date | null | undefined, now: Date = new Date()): Date {
  if (at == null) return now;
  if (at.getTime() > now.getTime() + STATUS_CLOCK_SKEW_MS) {
    throw badInput('at', `must not be later than now (${now.toISOString()}): spend is known up to now, got ${at.toISOString()}`);
  }
  return at;
}
