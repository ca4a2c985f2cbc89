/** Cost Management accepts at most this many days per query at daily granularity. */
export const MAX_DAILY_WINDOW_DAYS = 31;

const DAY_MS = 24 * 3600 * 1000;

/** Half-open [from, to), both at 00:00:00.000 UTC. */
export interface DayWindow {
  from: Date;
  to: Date;
}

/**
 * Splits [from, to) into consecutive windows of at most `maxDays` whole UTC days.
 * Both ends must be UTC midnights: a partial day cannot be asked for at daily granularity, and
 * silently widening the range would double-count days a neighbouring sync already loaded.
 */
export function splitIntoDayWindows(from: Date, to: Date, maxDays: number = MAX_DAILY_WINDOW_DAYS): DayWindow[] {
  assertUtcMidnight('from', from);
  assertUtcMidnight('to', to);
  if (!Number.isInteger(maxDays) || maxDays < 1) throw new RangeError(`maxDays must be a positive integer, got ${maxDays}`);
  if (to.getTime() < from.getTime()) {
    throw new RangeError(`range end ${to.toISOString()} is before its start ${from.toISOString()}`);
  }
  const windows: DayWindow[] = [];
  for (let start = from.getTime(); start < to.getTime(); start += maxDays * DAY_MS) {
    windows.push({ from: new Date(start), to: new Date(Math.min(start + maxDays * DAY_MS, to.getTime())) });
  }
  return windows;
}

/**
 * The API's timePeriod is inclusive at both ends (Microsoft's examples end months at
 * `…T23:59:59`), so the half-open window ends one second before `to`.
 */
export function toQueryTimePeriod(window: DayWindow): { from: Date; to: Date } {
  return { from: new Date(window.from.getTime()), to: new Date(window.to.getTime() - 1000) };
}

export function addUtcDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * DAY_MS);
}

function assertUtcMidnight(name: string, d: Date): void {
  if (Number.isNaN(d.getTime())) throw new RangeError(`${name} is an invalid Date`);
  if (d.getTime() % DAY_MS !== 0) throw new RangeError(`${name} ${d.toISOString()} is not a UTC day boundary (00:00:00.000Z)`);
}
