/**
 * SQL terms shared by a budget's spend (budgets.ts) and its forecast (forecast.ts): which runs a
 * budget covers, when a run counts, and what of a run's estimate is not on the bill yet.
 */
import { sql, type SQL } from 'drizzle-orm';
import { costRecords, pipelines, runs, type BudgetRow } from '../db/schema/index.js';

/**
 * Which runs a budget covers, and where their time falls. A run belongs to the period its work
 * started in (started, else submitted, else registered).
 */
export function runScope(budget: BudgetRow): SQL {
  switch (budget.scope) {
    case 'ORGANIZATION':
      return sql`true`;
    case 'PROJECT':
      return sql`${runs.projectId} = ${budget.projectId}`;
    case 'PIPELINE':
      return sql`${runs.pipelineId} in (select ${pipelines.id} from ${pipelines} where ${pipelines.orgId} = ${budget.orgId} and ${pipelines.name} = ${budget.pipelineName})`;
    case 'TAG':
      return sql`${runs.labels} @> ${JSON.stringify({ [budget.tagKey!]: budget.tagValue! })}::jsonb`;
  }
}

export const runTime = sql`coalesce(${runs.startedAt}, ${runs.submittedAt}, ${runs.createdAt})`;

/**
 * How far an organization's bill reaches (null: no bill yet): the end of the latest charge period of a day
 * or less. A month's recurring charge (a support plan, a reservation) is billed to the month's end on its
 * first day, and would have every run of the month look billed already.
 */
export const billedUntilSql = (orgId: string): SQL =>
  sql`(select max(${costRecords.chargePeriodEnd}) from ${costRecords} where ${costRecords.orgId} = ${orgId}
        and ${costRecords.chargePeriodEnd} <= ${costRecords.chargePeriodStart} + interval '24 hours')`;

/** Over a run: still going (its estimate may grow the bill beyond what is billed of it so far). */
const goingSql = sql`${runs.status} in ('REGISTERED', 'RUNNING')`;

/**
 * Over a run, in a scope billed by reconciled runs: what of its estimate is not in its actual cost yet.
 * A finished run's reconciled cost is its bill (the estimate was a guess); a run still going has been
 * reconciled only up to the bill's last day, so the rest of its estimate is still to come.
 */
export const unreconciledSql = sql`case when ${runs.actualCost} is null then ${runs.estimatedCost}
  when ${goingSql} then greatest(${runs.estimatedCost} - ${runs.actualCost}, 0) else 0 end`;

/**
 * Over a run, in a scope billed by bill lines: what of its estimate the bill, which reaches `billedUntil`,
 * cannot hold yet. Of a finished run, the estimate spread evenly over its time, the part after
 * `billedUntil` (a run that ended a day after the last billed day has most of its cost on the bill
 * already). A run still going: its estimate less what reconciliation allocated it so far; how its
 * estimate spreads over time it has not run yet is unknown, so nothing more of it is taken as billed.
 * A finished run whose end is unknown (no end, no task end): all of it until reconciled, then none.
 */
export function unbilledSql(billedUntil: SQL): SQL {
  // not updated_at: reconciliation and live estimates touch it long after a run ended
  const ended = sql`coalesce(${runs.completedAt}, (select max(t.completed_at) from tasks t where t.org_id = ${runs.orgId} and t.run_id = ${runs.id}))`;
  const began = sql`coalesce(${runs.startedAt}, ${runs.submittedAt}, ${ended})`;
  const seconds = (a: SQL, b: SQL) => sql`extract(epoch from (${a} - ${b}))`;
  return sql`case
    when ${goingSql} then greatest(${runs.estimatedCost} - coalesce(${runs.actualCost}, 0), 0)
    when ${ended} is null then case when ${runs.actualCost} is null then ${runs.estimatedCost} else 0 end
    when ${billedUntil} is null or ${began} >= ${billedUntil} then ${runs.estimatedCost}
    when ${ended} <= ${billedUntil} then 0
    else round(${runs.estimatedCost} * ${seconds(ended, billedUntil)} / ${seconds(ended, began)}, 10) end`;
}
