import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A graphql-ws client for a test server (anonymous without a key); collects what a subscription pushes. */
export function wsClient(httpUrl: string, key?: string): Client {
  return createClient({
    url: `${httpUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: key === undefined ? {} : { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: false,
  });
}

export interface Collected<T> {
  items: T[];
  errors: unknown[];
  /** Resolves once `n` items arrived; rejects on an error, or after `ms` (a bound on a hang, not a timing: default 30 s). */
  waitFor(n: number, ms?: number): Promise<T[]>;
  /** Resolves when the subscription ends: completed by the server, or with the error (GraphQL errors or the socket's close event) that ended it. */
  ended: Promise<{ error?: unknown }>;
  stop(): void;
}

/** What one operation over graphql-ws answered: its result, or the error that ended it (GraphQL errors or the socket's close event). */
export type Outcome<T = Record<string, any>> = { result: { data?: T | null; errors?: GqlError[] } } | { error: unknown };
export interface GqlError {
  message: string;
  extensions?: { code?: string; [k: string]: unknown };
}

/** Runs one query or mutation over the socket. */
export function once<T = Record<string, any>>(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    let result: { data?: T | null; errors?: GqlError[] } | undefined;
    client.subscribe<T>(
      { query, variables },
      {
        next: (v) => (result = v as typeof result),
        error: (error) => resolve({ error }),
        complete: () => resolve(result ? { result } : { error: new Error('completed without a result') }),
      },
    );
  });
}

export function collect<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Collected<T> {
  const items: T[] = [];
  const errors: unknown[] = [];
  const waiters: (() => void)[] = [];
  let end!: (e: { error?: unknown }) => void;
  const ended = new Promise<{ error?: unknown }>((r) => (end = r));
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (v) => {
        if (v.errors) errors.push(...v.errors);
        if (v.data) items.push(v.data as T);
        waiters.forEach((w) => w());
      },
      error: (e) => {
        errors.push(e);
        waiters.forEach((w) => w());
        end({ error: e });
      },
      complete: () => end({}),
    },
  );
  return {
    items,
    errors,
    ended,
    stop,
    waitFor(n, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited ${ms} ms for ${n} events, got ${items.length}; errors: ${JSON.stringify(errors)}`)), ms);
        const check = () => {
          if (items.length >= n) {
            clearTimeout(timer);
            resolve(items);
          } else if (errors.length > 0) {
            clearTimeout(timer);
            reject(new Error(`subscription failed: ${JSON.stringify(errors)}`));
          }
        };
        waiters.push(check);
        check();
      });
    },
  };
}

export interface RawMessage {
  id?: string;
  type: string;
  payload?: unknown;
}
export type RawClose = { closed: { code: number; reason: string } };

/**
 * The graphql-transport-ws protocol by hand, for tests that choose operation ids (the client library
 * makes its own). Resolves once the connection is acknowledged, or closed.
 */
export async function rawWsClient(httpUrl: string, key?: string) {
  const ws = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: RawMessage[] = [];
  const listeners = new Set<() => void>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('message', (m) => {
    messages.push(JSON.parse(String(m)) as RawMessage);
    for (const l of listeners) l();
  });
  /**
   * The first message received that matches (earlier ones included), or the close if the socket closes
   * first; rejects after `ms` (a bound on a hang, not a timing: a message that never comes fails the test
   * naming what it had, instead of holding the whole run until CI's limit).
   */
  const waitFor = (match: (m: RawMessage) => boolean, ms = 60_000): Promise<RawMessage | RawClose> =>
    new Promise((resolve, reject) => {
      const bound = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no matching message within ${ms} ms; received ${JSON.stringify(messages).slice(0, 2000)}`));
      }, ms);
      bound.unref();
      const check = () => {
        const m = messages.find(match);
        if (!m) return;
        listeners.delete(check);
        clearTimeout(bound);
        resolve(m);
      };
      listeners.add(check);
      check();
      void closed.then((c) => {
        listeners.delete(check);
        clearTimeout(bound);
        resolve(messages.find(match) ?? { closed: c });
      });
    });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: key === undefined ? {} : { authorization: `Bearer ${key}` } }));
  await waitFor((m) => m.type === 'connection_ack');
  return {
    ws,
    messages,
    closed,
    waitFor,
    subscribe: (id: string, query: string, variables: Record<string, unknown> = {}) => ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } })),
    complete: (id: string) => ws.send(JSON.stringify({ id, type: 'complete' })),
    close: () => ws.close(),
  };
}
