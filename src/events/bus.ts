import type { Sql } from '../db/client.js';
import { isConnectionGone } from '../db/connection-gone.js';
import type { Logger } from '../logger.js';
import { AsyncQueue, type QueueBound } from './async-queue.js';

export const EVENTS_CHANNEL = 'gct_events';

/** What travels through NOTIFY: ids only (payloads are capped at 8 kB, and rows may be large). */
export interface EventMessage {
  topic: string;
  orgId: string;
  /** The object the event is about, e.g. a run id. */
  key: string;
}

/**
 * A delivered event. `load` is memoised per event and process: however many subscribers this process
 * has, the object behind an event is read from the database once, then fanned out.
 */
export interface Delivered<T = unknown> extends EventMessage {
  load: () => Promise<T>;
}

type Loader = (message: EventMessage) => Promise<unknown>;

/** What a subscription resolver asks of the bus. */
export interface EventSubscriptions {
  subscribe<T>(topic: string, orgId: string, key?: string): AsyncIterableIterator<Delivered<T>>;
}

interface Subscriber {
  topic: string;
  orgId: string;
  key?: string;
  queue: AsyncQueue<Delivered>;
}

/**
 * The receiving side of cross-process events over Postgres LISTEN/NOTIFY: every API process listens on
 * one channel, so an event published (`publishEvent`) by any process or worker reaches subscribers on all.
 */
export class EventBus implements EventSubscriptions {
  private readonly subscribers = new Set<Subscriber>();
  private readonly loaders = new Map<string, Loader>();
  private unlisten?: () => Promise<void>;

  constructor(
    private readonly sql: Sql,
    private readonly log: Logger,
  ) {}

  /** How to read the object behind a topic's events (registered by the module that owns the topic). */
  registerLoader(topic: string, loader: Loader): void {
    this.loaders.set(topic, loader);
  }

  async start(): Promise<void> {
    const { unlisten } = await this.sql.listen(EVENTS_CHANNEL, (payload) => this.deliver(payload));
    this.unlisten = unlisten;
  }

  /** Unbounded without `bound`: events wait for the subscriber however many arrive. */
  subscribe<T>(topic: string, orgId: string, key?: string, bound?: QueueBound): AsyncIterableIterator<Delivered<T>> {
    const subscriber: Subscriber = { topic, orgId, key, queue: new AsyncQueue<Delivered>(() => this.subscribers.delete(subscriber), bound) };
    this.subscribers.add(subscriber);
    return subscriber.queue as unknown as AsyncIterableIterator<Delivered<T>>;
  }

  /**
   * The bus for one consumer (a graphql-ws operation) that can fall behind: each of its subscriptions
   * holds at most `bound.max` events unread, and one more ends it and calls `bound.onOverflow`.
   */
  bounded(bound: QueueBound): EventSubscriptions {
    return { subscribe: (topic, orgId, key) => this.subscribe(topic, orgId, key, bound) };
  }

  /** Subscribers on this process right now (for tests and /readyz-style introspection). */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Events waiting in this process's subscribers' queues, summed (for tests and introspection). */
  get queuedCount(): number {
    let n = 0;
    for (const s of this.subscribers) n += s.queue.length;
    return n;
  }

  private deliver(payload: string): void {
    let message: EventMessage;
    try {
      message = JSON.parse(payload) as EventMessage;
    } catch {
      this.log.warn({ payload }, 'ignoring malformed event');
      return;
    }
    const loader = this.loaders.get(message.topic);
    let loaded: Promise<unknown> | undefined;
    const delivered: Delivered = {
      ...message,
      load: () => (loaded ??= loader ? loader(message) : Promise.resolve(undefined)),
    };
    for (const s of this.subscribers) {
      // tenancy: an event never reaches another organization's subscriber
      if (s.topic === message.topic && s.orgId === message.orgId && (s.key === undefined || s.key === message.key)) s.queue.push(delivered);
    }
  }

  async close(): Promise<void> {
    for (const s of [...this.subscribers]) s.queue.end();
    try {
      await this.unlisten?.();
    } catch (err) {
      // the database went first: with the connection gone nothing listens any more
      if (!isConnectionGone(err)) throw err;
    }
  }
}
