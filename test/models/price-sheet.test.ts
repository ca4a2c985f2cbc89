import { test } from 'node:test';
import assert from 'node:assert/strict';
import { priceDuration, pricePrediction, priceSheetModel, priceTask, toDecimalString, vmShare } from '../../src/models/price-sheet.js';

const GIB = 1024 ** 3;
const vm = { vcpus: 4, memoryGib: 16, pricePerHour: 0.192 };
const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('cpu-bound task pays its cpu share: 2 of 4 vCPUs, 4 of 16 GiB, 30 min', () => {
  // max(2/4, 4/16) = 0.5; 0.192 $/h × 0.5 × 0.5 h = 0.048
  close(priceTask({ cpus: 2, memoryBytes: 4 * GIB, startedAt: t0, completedAt: t0 + 30 * 60_000 }, vm), 0.048);
});

test('memory-bound task pays its memory share: 1 of 4 vCPUs, 12 of 16 GiB, 2 h', () => {
  // max(1/4, 12/16) = 0.75; 0.192 × 0.75 × 2 = 0.288
  close(priceTask({ cpus: 1, memoryBytes: 12 * GIB, startedAt: new Date(t0), completedAt: new Date(t0 + 2 * 3_600_000) }, vm), 0.288);
});

test('a whole-VM task for one hour costs the hourly price; a decimal-string price is accepted', () => {
  close(priceTask({ cpus: 4, memoryBytes: 16 * GIB, startedAt: t0, completedAt: t0 + 3_600_000 }, { ...vm, pricePerHour: '0.192' }), 0.192);
});

test('missing cpus means 1 cpu; missing memory means the cpu share decides', () => {
  assert.equal(vmShare({ cpus: null, memoryBytes: null }, vm), 0.25);
  // 1/4 × 0.192 × 90 s
  close(priceTask({ cpus: null, memoryBytes: null, startedAt: t0, completedAt: t0 + 90_000 }, vm), 0.25 * 0.192 * (90 / 3600));
});

test('zero duration costs nothing; impossible inputs throw', () => {
  assert.equal(priceTask({ cpus: 1, memoryBytes: GIB, startedAt: t0, completedAt: t0 }, vm), 0);
  assert.throws(() => priceTask({ cpus: 1, memoryBytes: GIB, startedAt: t0 + 1, completedAt: t0 }, vm), /completed before it started/);
  assert.throws(() => priceTask({ cpus: 8, memoryBytes: GIB, startedAt: t0, completedAt: t0 + 1 }, vm), /does not fit/);
  assert.throws(() => priceTask({ cpus: 1, memoryBytes: 17 * GIB, startedAt: t0, completedAt: t0 + 1 }, vm), /does not fit/);
  assert.throws(() => priceDuration({ cpus: 1, memoryBytes: null }, { ...vm, pricePerHour: 'abc' }, 1000), /price per hour/);
});

test('pricePrediction maps a runtime interval through the rule; the model has a zero-width interval', () => {
  const p = pricePrediction({ cpus: 2, memoryBytes: null }, vm, { value: 3_600_000, low: 1_800_000, high: 7_200_000 });
  close(p.value, 0.096);
  close(p.low, 0.048);
  close(p.high, 0.192);
  const m = priceSheetModel.predict({ process: 'X', cpus: 2, memoryBytes: 4 * GIB, durationMs: 1_800_000, vm }, priceSheetModel.fit([]));
  close(m.value, 0.048);
  assert.equal(m.low, m.value);
  assert.equal(m.high, m.value);
  assert.throws(() => priceSheetModel.predict({ process: 'X', durationMs: 1 }, {}), /features\.vm/);
});

test('toDecimalString keeps float noise out of numeric columns', () => {
  assert.equal(toDecimalString(0.1 + 0.2), '0.3');
  assert.equal(toDecimalString(0.048), '0.048');
  assert.equal(toDecimalString(12), '12');
  assert.equal(toDecimalString(1e-12), '0');
  assert.equal(toDecimalString(1.23456789e-7), '0.0000001235');
});
