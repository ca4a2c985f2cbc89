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
 * pg-boss fails a `costs.sync` job still active after this long: its worker is gone. A RUNNING sync
 * started longer ago than this was left by such a worker (services/cost-connections).
 */
export const COST_SYNC_EXPIRE_SECONDS = 3600;

/**
 * Enqueues a sync over `sql` (the transaction that inserts its QUEUED cost_syncs row, or that puts
 * it back in the queue). `jobId` is chosen by the caller so the row can name its job in the same
 * statement; `startAfterSeconds` holds the job back that long (a connection busy with another sync).
 */
export function enqueueCostSync(sql: postgres.Sql | postgres.TransactionSql, payload: CostSyncPayload, jobId: string, startAfterSeconds?: number): Promise<string> {
  return sendJob(sql, COST_SYNC_QUEUE, payload, { id: jobId, ...(startAfterSeconds ? { startAfter: startAfterSeconds } : {}) });
}
