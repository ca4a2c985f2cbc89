import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QpuBudget } from '../../../src/ingest/azure/qpu-budget.js';
import { manualClock } from '../../fakes/azure/manual-clock.js';

test('the default quota lets 12 through at once, then holds the 13th until the first leaves the 10 s window', async () => {
  const clock = manualClock();
  const budget = new QpuBudget({ clock });
  for (let i = 0; i < 12; i++) await budget.acquire();
  assert.deepEqual(clock.slept, []);
  await budget.acquire();
  assert.deepEqual(clock.slept, [10_000]);
});

test('60 per minute binds after five bursts of 12', async () => {
  const clock = manualClock();
  const budget = new QpuBudget({ clock });
  for (let i = 0; i < 60; i++) await budget.acquire();
  // 12 per 10 s: bursts at t=0,10,20,30,40 s; the 61st must wait for t=60 s (the first minute's first grant)
  const start = 1_000_000;
  assert.equal(clock.now() - start, 40_000);
  await budget.acquire();
  assert.equal(clock.now() - start, 60_000);
});

test('never more than the limit in any window (sliding, not a refilling bucket)', async () => {
  const clock = manualClock();
  const budget = new QpuBudget({ clock, quota: [{ limit: 3, windowMs: 1000 }] });
  const grants: number[] = [];
  for (let i = 0; i < 20; i++) {
    await budget.acquire();
    grants.push(clock.now());
  }
  for (const t of grants) assert.ok(grants.filter((g) => g > t - 1000 && g <= t).length <= 3, `more than 3 grants in the second ending ${t}`);
});

test('blockFor (a 429 elsewhere) holds the next caller for that long', async () => {
  const clock = manualClock();
  const budget = new QpuBudget({ clock });
  budget.blockFor(2500);
  await budget.acquire();
  assert.deepEqual(clock.slept, [2500]);
});

test('an aborted caller is released with the abort reason; an impossible cost is refused', async () => {
  const budget = new QpuBudget({ quota: [{ limit: 1, windowMs: 60_000 }] });
  await budget.acquire();
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('sync cancelled')), 20);
  await assert.rejects(budget.acquire(1, controller.signal), /sync cancelled/);
  await assert.rejects(budget.acquire(2), /can never fit a quota of 1/);
});
