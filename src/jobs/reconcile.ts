import { withSettledRuns } from '../services/billed-in-full.js';
import { reconcile } from '../services/reconcile.js';
import { isUuid } from '../services/runs.js';
import { COST_RECONCILE_QUEUE, type CostReconcilePayload } from './reconcile-queue.js';
import type { JobDefinition } from './index.js';
import { ANOMALY_DETECT_QUEUE } from './anomalies.js';
import { enqueueBudgetEvaluation } from './budget-evaluation-queue.js';
import { enqueueRetrain } from './models-retrain.js';
import { sendJobUnlessDuplicate } from './send-job.js';

export { COST_RECONCILE_QUEUE, type CostReconcilePayload };

function parsePayload(data: unknown): { orgId: string; from: Date; to: Date; trigger: string; jobId?: string } {
  const d = (data ?? {}) as Record<string, unknown>;
  if (typeof d.orgId !== 'string' || !isUuid(d.orgId)) throw new Error(`${COST_RECONCILE_QUEUE} payload: orgId must be a uuid`);
  const date = (field: 'from' | 'to') => {
    const value = typeof d[field] === 'string' ? new Date(d[field] as string) : new Date(Number.NaN);
    if (Number.isNaN(value.getTime())) throw new Error(`${COST_RECONCILE_QUEUE} payload: ${field} must be an ISO date-time`);
    return value;
  };
  return { orgId: d.orgId, from: date('from'), to: date('to'), trigger: typeof d.trigger === 'string' ? d.trigger : 'job', jobId: typeof d.jobId === 'string' ? d.jobId : undefined };
}

/** Triggers whose window reaches back for runs to be billed in full (billed-in-full.ts): a bill came in. */
const REACHING_TRIGGERS = new Set(['sync', 'import']);

/**
 * Reconciles one window. Re-running a window replaces it (one transaction, serialized per
 * organization by an advisory lock), so a retried or duplicated job is harmless.
 */
export const costReconcileJob: JobDefinition<CostReconcilePayload> = {
  name: COST_RECONCILE_QUEUE,
  queue: { retryLimit: 2, retryDelay: 30, expireInSeconds: 3600 },
  async handler(data, deps) {
    const p = parsePayload(data);
    const { db } = deps.database;
    const { idleMode } = deps.config.reconcile;
    // a window someone asked for is reconciled as asked
    const window = REACHING_TRIGGERS.has(p.trigger) ? await withSettledRuns(db, p.orgId, { from: p.from, to: p.to }, idleMode) : { from: p.from, to: p.to };
    const record = await reconcile(db, p.orgId, window, { ...deps.config.reconcile, trigger: p.trigger, jobId: p.jobId });
    // what reads actual costs follows each reconciliation: budgets, anomalies over reconciled runs, and
    // the models, which learn from the difference between their estimates and the actuals
    await enqueueBudgetEvaluation(deps.database.sql, p.orgId);
    await sendJobUnlessDuplicate(deps.database.sql, ANOMALY_DETECT_QUEUE, { orgId: p.orgId }, { singletonKey: p.orgId });
    if (record.runsUpdated > 0) await enqueueRetrain(deps.boss, p.orgId);
    return { reconciliationId: record.id, lines: record.lines, runsUpdated: record.runsUpdated, driftAlerts: record.driftAlerts, durationMs: record.durationMs };
  },
};
