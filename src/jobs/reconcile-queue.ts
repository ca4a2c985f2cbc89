import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import { queueInstalled, sendJob } from './send-job.js';

/** Reconciles one window of one organization's bill (handler in reconcile.ts). */
export const COST_RECONCILE_QUEUE = 'costs.reconcile';

export interface CostReconcilePayload {
  orgId: string;
  /** ISO UTC, [from, to) of charge period starts. */
  from: string;
  to: string;
  /** `import`, `sync` or `request`. */
  trigger: string;
  /** The job's own id, so the reconciliation record can name the job that made it. */
  jobId?: string;
}

/** Enqueues a reconciliation over `sql` (pass the transaction that loaded the bill: they commit together). */
export function enqueueReconcile(sql: postgres.Sql | postgres.TransactionSql, payload: Omit<CostReconcilePayload, 'jobId'>): Promise<string> {
  const jobId = randomUUID();
  return sendJob(sql, COST_RECONCILE_QUEUE, { ...payload, jobId }, { id: jobId });
}

/**
 * The hook bill ingests call, inside their transaction, with the periods they loaded. Returns the job
 * id, or null when there is nothing to reconcile or the queue is not installed: a database the server
 * never started on (the CLI on a fresh database, service tests) has no pg-boss schema, and the bill
 * must still load; `reconcileCosts` reconciles it later.
 */
export async function reconcileAfterIngest(
  sql: postgres.Sql | postgres.TransactionSql,
  orgId: string,
  from: Date | string | null | undefined,
  to: Date | string | null | undefined,
  trigger: string,
): Promise<string | null> {
  if (!from || !to) return null;
  if (!(await queueInstalled(sql, COST_RECONCILE_QUEUE))) return null;
  const iso = (d: Date | string) => (typeof d === 'string' ? d : d.toISOString());
  return enqueueReconcile(sql, { orgId, from: iso(from), to: iso(to), trigger });
}
