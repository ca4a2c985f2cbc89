import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AsyncQueue } from '../../src/events/async-queue.js';
import type { Delivered } from '../../src/events/bus.js';
import { filterEvents } from '../../src/events/filtered.js';

/** What the event bus hands a subscriber: a queue whose end takes it off the bus (here: counts it). */
function subscription() {
  const state = { onBus: true };
  const queue = new AsyncQueue<Delivered<{ n: number }>>(() => (state.onBus = false));
  const event = (n: number, load: () => Promise<{ n: number }> = async () => ({ n })): Delivered<{ n: number }> => ({ topic: 't', orgId: 'o', key: String(n), load });
  return { state, queue, event };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('filterEvents', () => {
  test('keeps the events that pass and ends with its source', async () => {
    const { state, queue, event } = subscription();
    const even = filterEvents(queue, (v) => v.n % 2 === 0);
    for (const n of [1, 2, 3, 4]) queue.push(event(n));
    assert.equal((await even.next()).value?.key, '2');
    assert.equal((await even.next()).value?.key, '4');
    queue.end();
    assert.equal((await even.next()).done, true);
    assert.equal(state.onBus, false);
  });

  test('ended while waiting for an event that never comes, it leaves the bus at once and the wait ends', async () => {
    const { state, queue } = subscription();
    const filtered = filterEvents(queue, () => true);
    const waiting = filtered.next();
    // not awaited: before, this return() queued behind the wait and never settled
    void filtered.return!();
    await turn();
    assert.equal(state.onBus, false, 'still subscribed on the bus after return()');
    assert.equal((await waiting).done, true);
  });

  test('ended before its first next(), it leaves the bus', async () => {
    const { state, queue } = subscription();
    await filterEvents(queue, () => true).return!();
    assert.equal(state.onBus, false, 'still subscribed on the bus after return()');
  });

  test('an event that fails to load ends the subscription with the error', async () => {
    const { state, queue, event } = subscription();
    const filtered = filterEvents(queue, () => true);
    queue.push(event(1, async () => Promise.reject(new Error('database gone'))));
    await assert.rejects(filtered.next(), /database gone/);
    assert.equal(state.onBus, false);
  });
});
