import type { Delivered } from './bus.js';

/**
 * Keeps the events whose loaded object passes `keep`. Loading is memoised per event and process
 * (EventBus), so filtering many subscribers costs one read per event, not one per subscriber.
 * Ending the returned iterator ends the subscription underneath.
 *
 * Not an async generator function: a generator's `return()` waits behind the `next()` it is running,
 * so a client leaving a quiet subscription (no alert for days) kept its place on the event bus until an
 * event came, and graphql-ws's close, which awaits it, never ran its cleanup; and a generator ended
 * before its first `next()` (a socket closed while the subscription was being set up, one refused over
 * GCT_WS_MAX_OPERATIONS) skips its `finally`, leaving the source subscribed for good. Here `return()`
 * goes straight to the source, which ends a waiting `next()` too.
 */
export function filterEvents<T>(source: AsyncIterableIterator<Delivered<T>>, keep: (value: T) => boolean): AsyncIterableIterator<Delivered<T>> {
  const end = async () => {
    await source.return?.();
    return { done: true, value: undefined } as const;
  };
  return {
    async next() {
      try {
        for (;;) {
          const r = await source.next();
          if (r.done) return r;
          const value = await r.value.load();
          if (value != null && keep(value)) return r;
        }
      } catch (err) {
        // the consumer does not call return() after a next() that threw
        await end();
        throw err;
      }
    },
    return: end,
    async throw(error: unknown) {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
