import type postgres from 'postgres';
import { sendJobUnlessDuplicate } from './send-job.js';

/** Evaluates one organization's budgets (handler in budget-evaluation.ts). */
export const BUDGET_EVALUATE_QUEUE = 'budgets.evaluate';
/** Scheduled: evaluates every organization that has budgets. */
export const BUDGET_EVALUATE_ALL_QUEUE = 'budgets.evaluate-all';

export interface BudgetEvaluatePayload {
  orgId: string;
}

/**
 * The hook after anything that changes spend (bill ingest, reconciliation, estimates): call it in
 * the transaction that made the change, so the evaluation sees it. Organizations without budgets
 * enqueue nothing; a burst of changes collapses into one queued evaluation (the queue is `stately`
 * per organization), which still runs after all of them.
 */
export async function enqueueBudgetEvaluation(sql: postgres.Sql | postgres.TransactionSql, orgId: string): Promise<void> {
  const [{ any }] = await sql<{ any: boolean }[]>`select exists (select 1 from budgets where org_id = ${orgId}) as any`;
  if (any) await sendJobUnlessDuplicate(sql, BUDGET_EVALUATE_QUEUE, { orgId } satisfies BudgetEvaluatePayload, { singletonKey: orgId });
}
