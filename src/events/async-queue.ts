/** How many items a queue may hold unread, and what happens at one more. */
export interface QueueBound {
  max: number;
  /** Called once, when an item arrives at a full queue; the queue then ends, dropping what it held. */
  onOverflow: () => void;
}

/**
 * A push → pull queue exposed as an AsyncIterableIterator, ended by `return()` (what graphql-ws calls
 * when a client unsubscribes) or by `end()` (server shutdown). Unbounded unless given a `bound`: then an
 * item arriving while `max` wait unread ends the queue instead of being kept, and says so (`onOverflow`),
 * so a consumer that cannot keep up is told, never left to miss items silently.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private readonly waiting: ((r: IteratorResult<T>) => void)[] = [];
  private done = false;

  constructor(
    private readonly onClose: () => void = () => {},
    private readonly bound?: QueueBound,
  ) {}

  /** Items waiting to be read. */
  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.done) return;
    const next = this.waiting.shift();
    if (next) return next({ value: item, done: false });
    if (this.bound && this.items.length >= this.bound.max) return this.overflow();
    this.items.push(item);
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.onClose();
    for (const resolve of this.waiting.splice(0)) resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  /**
   * Told first, so the consumer's side (the socket) is closing before the queue ends: what it would pull
   * next is then "done", which must not reach the client as an ordinary completion. The items go at once,
   * and with them what they keep alive (each event's loaded row and shared results), without waiting for
   * the consumer, which may be stuck on a write for as long as the socket takes to close.
   */
  private overflow(): void {
    this.items.length = 0;
    try {
      this.bound!.onOverflow();
    } finally {
      this.end();
    }
  }
}
