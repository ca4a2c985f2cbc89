import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitIntoDayWindows, toQueryTimePeriod } from '../../../src/ingest/azure/windows.js';

const d = (s: string): Date => new Date(`${s}T00:00:00Z`);
const iso = (w: { from: Date; to: Date }): [string, string] => [w.from.toISOString().slice(0, 10), w.to.toISOString().slice(0, 10)];

test('splits [from, to) into consecutive windows of at most 31 days', () => {
  assert.deepEqual(splitIntoDayWindows(d('2024-01-01'), d('2024-03-11')).map(iso), [
    ['2024-01-01', '2024-02-01'],
    ['2024-02-01', '2024-03-03'],
    ['2024-03-03', '2024-03-11'],
  ]);
});

test('exactly 31 days is one window; 32 days is two; an empty range is none', () => {
  assert.equal(splitIntoDayWindows(d('2024-01-01'), d('2024-02-01')).length, 1);
  assert.deepEqual(splitIntoDayWindows(d('2024-01-01'), d('2024-02-02')).map(iso), [
    ['2024-01-01', '2024-02-01'],
    ['2024-02-01', '2024-02-02'],
  ]);
  assert.deepEqual(splitIntoDayWindows(d('2024-01-01'), d('2024-01-01')), []);
});

test('crosses a leap day and a year end without gaps', () => {
  const windows = splitIntoDayWindows(d('2023-12-20'), d('2024-03-05'), 31);
  for (let i = 1; i < windows.length; i++) assert.equal(windows[i].from.getTime(), windows[i - 1].to.getTime());
  assert.equal(windows[0].from.getTime(), d('2023-12-20').getTime());
  assert.equal(windows.at(-1)!.to.getTime(), d('2024-03-05').getTime());
  const days = windows.reduce((n, w) => n + (w.to.getTime() - w.from.getTime()) / 86_400_000, 0);
  assert.equal(days, 76);
});

test('refuses ends that are not UTC midnights, reversed ranges and bad sizes, naming the problem', () => {
  assert.throws(() => splitIntoDayWindows(new Date('2024-01-01T05:00:00Z'), d('2024-01-10')), /from 2024-01-01T05:00:00.000Z is not a UTC day boundary/);
  assert.throws(() => splitIntoDayWindows(d('2024-01-10'), d('2024-01-01')), /before its start/);
  assert.throws(() => splitIntoDayWindows(d('2024-01-01'), d('2024-01-10'), 0), /maxDays/);
  assert.throws(() => splitIntoDayWindows(new Date(Number.NaN), d('2024-01-10')), /invalid Date/);
});

test('the API time period ends inclusively one second before the window does', () => {
  const period = toQueryTimePeriod({ from: d('2024-01-01'), to: d('2024-02-01') });
  assert.equal(period.from.toISOString(), '2024-01-01T00:00:00.000Z');
  assert.equal(period.to.toISOString(), '2024-01-31T23:59:59.000Z');
});
