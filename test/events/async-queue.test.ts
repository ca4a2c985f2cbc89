import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncQueue } from '../../src/events/async-queue.js';

test('a bounded queue holds at most max unread items; one more ends it, drops them and says so once', async () => {
  let overflows = 0;
  let closed = 0;
  const queue = new AsyncQueue<number>(() => closed++, { max: 3, onOverflow: () => overflows++ });
  for (const n of [1, 2, 3]) queue.push(n);
  assert.equal(queue.length, 3);
  assert.equal(overflows, 0);
  queue.push(4);
  queue.push(5);
  assert.deepEqual({ overflows, closed, length: queue.length }, { overflows: 1, closed: 1, length: 0 });
  assert.deepEqual(await queue.next(), { value: undefined, done: true });
});

test('items handed straight to a waiting reader do not count against the bound', async () => {
  let overflows = 0;
  const queue = new AsyncQueue<number>(undefined, { max: 1, onOverflow: () => overflows++ });
  for (let n = 0; n < 10; n++) {
    const next = queue.next();
    queue.push(n);
    assert.deepEqual(await next, { value: n, done: false });
  }
  assert.equal(overflows, 0);
});
