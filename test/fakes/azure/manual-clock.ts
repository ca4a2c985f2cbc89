import type { Clock } from '../../../src/ingest/azure/qpu-budget.js';

/** A clock that only moves when someone sleeps, so a test reads off the planned waits instead of timing them. */
export function manualClock(): Clock & { slept: number[] } {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    async sleep(ms) {
      slept.push(ms);
      now += ms;
    },
  };
}
