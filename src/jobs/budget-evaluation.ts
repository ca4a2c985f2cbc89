import { evaluateBudgets, orgsWithBudgets } from '../services/budget-evaluation.js';
import { isUuid } from '../services/runs.js';
import { BUDGET_EVALUATE_ALL_QUEUE, BUDGET_EVALUATE_QUEUE, enqueueBudgetEvaluation, type BudgetEvaluatePayload } from './budget-evaluation-queue.js';
import type { JobDefinition } from './index.js';

export { BUDGET_EVALUATE_QUEUE, BUDGET_EVALUATE_ALL_QUEUE, enqueueBudgetEvaluation };

/**
 * One organization's budgets. `stately`: at most one queued and one active per organization, so
 * triggers collapse; the evaluation itself is idempotent (alert dedupe keys), so a retry or an
 * overlapping run raises nothing twice.
 */
export const budgetEvaluateJob: JobDefinition<BudgetEvaluatePayload> = {
  name: BUDGET_EVALUATE_QUEUE,
  queue: { policy: 'stately', retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 600 },
  async handler(data, deps) {
    if (typeof data?.orgId !== 'string' || !isUuid(data.orgId)) throw new Error(`${BUDGET_EVALUATE_QUEUE} payload: orgId must be a uuid`);
    const report = await evaluateBudgets(deps.database.db, data.orgId);
    return { evaluated: report.evaluated, raised: report.raised.map((a) => a.id) };
  },
};

/** Scheduled (GCT_BUDGET_EVAL_CRON): queues one evaluation per organization with budgets. */
export const budgetEvaluateAllJob: JobDefinition = {
  name: BUDGET_EVALUATE_ALL_QUEUE,
  cron: (config) => config.budgetEvalCron,
  async handler(_data, deps) {
    const orgs = await orgsWithBudgets(deps.database.db);
    for (const orgId of orgs) await enqueueBudgetEvaluation(deps.database.sql, orgId);
    return { orgs: orgs.length };
  },
};
