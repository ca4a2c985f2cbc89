import type postgres from 'postgres';
import { sendJob } from './send-job.js';

/** One sync of one Azure Cost Management connection (handler in cost-sync.ts). */
export const COST_SYNC_QUEUE = 'costs.sync';
/** Scheduled: enqueues one `costs.sync` per connection. */
export const COST_SYNC_ALL_QUEUE = 'costs.sync-all';

export interface CostSyncPayload {
  orgId: string;
  connectionId: string;
  /** ISO UTC midnights, [from, to); the cost_syncs row holds the same window. */
  from?: string;
  to?: string;
  /** The QUEUED cost_syncs row this job fills in. */
  syncId: string;
}

/**
 * Enqueues a sync over `sql` (the transaction that inserts its QUEUED cost_syncs row). `jobId` is
 * chosen by the caller so the row can name its job in the same insert. The singleton key is the
 * connection: the queue's `singleton` policy lets at most one job per key be active at a time.
 */
export function enqueueCostSync(sql: postgres.Sql | postgres.TransactionSql, payload: CostSyncPayload, jobId: string): Promise<string> {
  return sendJob(sql, COST_SYNC_QUEUE, payload, { id: jobId, singletonKey: payload.connectionId });
}
