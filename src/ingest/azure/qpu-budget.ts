import { sleep, throwIfAborted, type AbortSignalLike } from './abort.js';

/** At most `limit` QPU in any `windowMs` span. */
export interface QuotaWindow {
  limit: number;
  windowMs: number;
}

/**
 * Cost Management's published per-tenant query quota. One QPU is one month of data queried, so
 * a query over a window of at most 31 days costs 1.
 */
export const COST_MANAGEMENT_QPU_QUOTA: readonly QuotaWindow[] = [
  { limit: 12, windowMs: 10_000 },
  { limit: 60, windowMs: 60_000 },
  { limit: 600, windowMs: 3_600_000 },
];

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignalLike): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep,
};

/**
 * A client-side QPU budget, so a sync spaces its own calls inside the tenant's quota instead of
 * learning it from 429s (each of which also burns quota).
 *
 * This is a sliding-window log rather than a refilling token bucket: a bucket of 12 that refills
 * 12 per 10 s lets 24 through in the first 10 s, which is exactly the burst the service rejects.
 * Keeping every grant of the last hour (at most 600 entries) is cheap and exact.
 */
export class QpuBudget {
  private readonly windows: readonly QuotaWindow[];
  private readonly clock: Clock;
  private readonly longestWindowMs: number;
  private grants: Array<{ at: number; cost: number }> = [];
  private blockedUntil = 0;

  constructor(options: { quota?: readonly QuotaWindow[]; clock?: Clock } = {}) {
    this.windows = options.quota ?? COST_MANAGEMENT_QPU_QUOTA;
    this.clock = options.clock ?? systemClock;
    for (const w of this.windows) {
      if (!(w.limit > 0 && w.windowMs > 0)) throw new RangeError(`quota window needs a positive limit and windowMs, got ${JSON.stringify(w)}`);
    }
    this.longestWindowMs = Math.max(...this.windows.map((w) => w.windowMs));
  }

  /** Milliseconds until `cost` QPU could be granted (0: now). */
  waitTimeMs(cost = 1): number {
    const now = this.clock.now();
    let wait = Math.max(0, this.blockedUntil - now);
    for (const w of this.windows) {
      if (cost > w.limit) throw new RangeError(`a request of ${cost} QPU can never fit a quota of ${w.limit} per ${w.windowMs} ms`);
      const inWindow = this.grants.filter((g) => g.at > now - w.windowMs);
      let used = inWindow.reduce((sum, g) => sum + g.cost, 0);
      // drop the oldest grants until this request fits; it may go when the last dropped one expires
      for (const g of inWindow) {
        if (used + cost <= w.limit) break;
        used -= g.cost;
        wait = Math.max(wait, g.at + w.windowMs - now);
      }
    }
    return wait;
  }

  /** Waits until `cost` QPU fit every quota window, then records them. Rejects if `signal` aborts. */
  async acquire(cost = 1, signal?: AbortSignalLike): Promise<void> {
    // No lock needed between concurrent callers: the final check and the grant below run without
    // an await in between, so two callers can never both take the last free QPU.
    for (;;) {
      throwIfAborted(signal);
      const wait = this.waitTimeMs(cost);
      if (wait === 0) break;
      await this.clock.sleep(wait, signal);
    }
    const now = this.clock.now();
    this.grants = this.grants.filter((g) => g.at > now - this.longestWindowMs);
    this.grants.push({ at: now, cost });
  }

  /**
   * The service said "stop for `ms`" (a 429): hold every caller sharing this budget, because the
   * quota is per tenant and a parallel request would only be throttled too.
   */
  blockFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.clock.now() + ms);
  }
}
