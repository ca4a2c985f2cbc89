import { sql, type SQL } from 'drizzle-orm';
import { EVENTS_CHANNEL, type EventMessage } from './bus.js';

export interface Executor {
  execute(query: SQL): Promise<unknown>;
}

/**
 * Publishes to every API process. Pass the transaction that made the change: NOTIFY is transactional,
 * so the event goes out on commit and never for a rolled-back change.
 */
export async function publishEvent(executor: Executor, message: EventMessage): Promise<void> {
  await executor.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(message)})`);
}
