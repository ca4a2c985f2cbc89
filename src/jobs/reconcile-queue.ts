import type postgres from 'postgres';
import { PGBOSS_SCHEMA, sendJob } from './send-job.js';

/** Reconciles one window of one organization's bill (handler in reconcile.ts). */
export const COST_RECONCILE_QUEUE = 'costs.reconcile';

export interface CostReconcilePayload {
  orgId: string;
  /** ISO UTC, [from, to) of charge period starts. */
  from: string;
  to: string;
  /** `import`, `sync` or `request`. */
  trigger: string;
}

/** Enqueues a reconciliation over `sql` (pass the transaction that loaded the bill: they commit together). */
export function enqueueReconcile(sql: postgres.Sql | postgres.TransactionSql, payload: CostReconcilePayload): Promise<string> {
  return sendJob(sql, COST_RECONCILE_QUEUE, payload);
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
  const [{ installed }] = await sql<{ installed: boolean }[]>`
    select to_regclass(${`${PGBOSS_SCHEMA}.queue`}) is not null
      and exists (select 1 from pg_catalog.pg_namespace where nspname = ${PGBOSS_SCHEMA}) as installed`;
  if (!installed) return null;
  const [{ queued }] = await sql.unsafe<{ queued: boolean }[]>(`select exists (select 1 from ${PGBOSS_SCHEMA}.queue where name = $1) as queued`, [COST_RECONCILE_QUEUE]);
  if (!queued) return null;
  const iso = (d: Date | string) => (typeof d === 'string' ? d : d.toISOString());
  return enqueueReconcile(sql, { orgId, from: iso(from), to: iso(to), trigger });
}
