import { createSourceEventStream, execute, print, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Context } from './context.js';

/**
 * A graphql-ws `subscribe` that executes each event once per process for all subscribers asking the
 * same thing, then fans the one result out. graphql-js would run the selection set again for every
 * subscriber (with 1,000 listeners on an alert, 1,000 identical executions and their database reads).
 *
 * "The same thing" is the same operation text, operation name and variables, for the same
 * organization and role: the event bus delivers one object per event to all of a process's
 * subscribers of that organization, so results are cached on that object (a WeakMap: they go when
 * the event does). Fields of subscription payloads do not depend on who the caller is beyond
 * organization and role (authorization is by role), so sharing the execution is safe.
 */
export function sharedSubscribe() {
  const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
  return async (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream;
    const viewer = (args.contextValue as Context | undefined)?.viewer;
    const key = JSON.stringify([viewer?.orgId ?? null, viewer?.role ?? null, args.operationName ?? null, args.variableValues ?? null, print(args.document)]);
    return mapAsync(stream, (payload) => {
      // what graphql-js's subscribe does per event, once per key
      const run = () => Promise.resolve(execute({ ...args, rootValue: payload }));
      if (payload === null || typeof payload !== 'object') return run();
      let byKey = results.get(payload);
      if (!byKey) results.set(payload, (byKey = new Map()));
      let result = byKey.get(key);
      if (!result) byKey.set(key, (result = run()));
      return result;
    });
  };
}

const isAsyncIterable = (x: unknown): x is AsyncIterable<unknown> => x != null && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';

/**
 * Maps an async iterable. `return()` goes straight to the source, even while a `next()` is waiting:
 * a generator function would queue it behind that wait, and a quiet subscription would never let go
 * of its place on the event bus.
 */
function mapAsync<T, U>(iterable: AsyncIterable<T>, fn: (item: T) => Promise<U>): AsyncIterableIterator<U> {
  const source = iterable[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await source.next();
      return r.done ? { done: true, value: undefined } : { done: false, value: await fn(r.value) };
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
