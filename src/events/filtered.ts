import type { Delivered } from './bus.js';

/**
 * Keeps the events whose loaded object passes `keep`. Loading is memoised per event and process
 * (EventBus), so filtering many subscribers costs one read per event, not one per subscriber.
 * Ending the returned iterator ends the subscription underneath.
 */
export async function* filterEvents<T>(source: AsyncIterableIterator<Delivered<T>>, keep: (value: T) => boolean): AsyncGenerator<Delivered<T>> {
  try {
    for await (const event of source) {
      const value = await event.load();
      if (value != null && keep(value)) yield event;
    }
  } finally {
    await source.return?.();
  }
}
