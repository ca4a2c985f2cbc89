import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCorrection, settledHorizon } from '../../src/models/run-correction.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a}, expected ${b}`);

test('with nothing finished every process keeps the prediction', () => {
  const c = runCorrection([]);
  assert.deepEqual(c.run, { factor: 1, n: 0 });
  assert.deepEqual(c.byProcess, {});
  assert.equal(c.factor('ALIGN'), 1);
});

test('a process that ran at twice its prediction moves toward 2 as its tasks settle, never past it', () => {
  let last = 1;
  for (const n of [1, 2, 5, 10, 50, 500]) {
    const c = runCorrection(Array.from({ length: n }, () => ({ process: 'ALIGN', predicted: 3, actual: 6 })));
    // only one process: the run's ratio is 2 with weight n/(n+5), the process adds its weight on the rest
    const w = n / (n + 5);
    close(c.run.factor, 2 ** w, `run factor at n=${n}`);
    close(c.factor('ALIGN'), 2 ** (w + (1 - w) * w), `ALIGN at n=${n}`);
    assert.ok(c.factor('ALIGN') > last && c.factor('ALIGN') < 2);
    last = c.factor('ALIGN');
    // a process with nothing settled gets the run's factor
    assert.equal(c.factor('SORT'), c.run.factor);
  }
  assert.ok(last > 1.98);
});

test('processes differ: each gets its own ratio, pulled toward the run-wide one', () => {
  const c = runCorrection([
    { process: 'ALIGN', n: 10, predicted: 10, actual: 40 },
    { process: 'QC', n: 10, predicted: 10, actual: 10 },
  ]);
  // the run: 50 / 20 over 20 tasks
  const logRun = (20 / 25) * Math.log(2.5);
  close(c.run.factor, Math.exp(logRun), 'run');
  assert.equal(c.run.n, 20);
  close(c.factor('ALIGN'), Math.exp((10 / 15) * Math.log(4) + (5 / 15) * logRun), 'ALIGN');
  close(c.factor('QC'), Math.exp((5 / 15) * logRun), 'QC');
  assert.deepEqual(Object.keys(c.byProcess).sort(), ['ALIGN', 'QC']);
  assert.equal(c.byProcess.ALIGN.n, 10);
});

test('a ratio of sums: one tiny task far off does not swing a process of big ones', () => {
  const tasks = [
    ...Array.from({ length: 9 }, () => ({ process: 'ALIGN', predicted: 100, actual: 100 })),
    { process: 'ALIGN', predicted: 0.01, actual: 1 }, // 100x, but a cent
  ];
  assert.ok(Math.abs(runCorrection(tasks).factor('ALIGN') - 1) < 0.001);
});

test('unusable tasks are skipped; a settled group that cost nothing pulls down, not to zero', () => {
  const c = runCorrection([
    { process: 'A', predicted: 0, actual: 5 },
    { process: 'A', predicted: Number.NaN, actual: 5 },
    { process: 'A', predicted: 5, actual: -1 },
    { process: 'A', n: 0, predicted: 5, actual: 5 },
  ]);
  assert.equal(c.run.n, 0);
  const free = runCorrection([{ process: 'CACHED', n: 20, predicted: 10, actual: 0 }]);
  assert.ok(free.factor('CACHED') > 0 && free.factor('CACHED') < 0.2, String(free.factor('CACHED')));
  assert.throws(() => runCorrection([], { prior: 0 }), /prior 0 is not positive/);
});

test('settled horizon: a finished task submitted after one still running is not settled', () => {
  const tasks = [
    { submitAt: 0, completeAt: 10 },
    { submitAt: 1, completeAt: 100 }, // long
    { submitAt: 2, completeAt: 5 }, // short: finished, but its cohort is not
    { submitAt: 30, completeAt: null }, // submitted after the moment asked about
  ];
  assert.equal(settledHorizon(tasks, 20), 1);
  assert.equal(settledHorizon(tasks, 4), 0, 'the first task is still running at 4');
  // the long one done: everything submitted before the pending one (at 30) is settled
  assert.equal(settledHorizon(tasks, 150), 30);
  assert.equal(settledHorizon(tasks.slice(0, 3), 150), 150);
});
