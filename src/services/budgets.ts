import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { budgets, costRecords, runs, type BudgetRow } from '../db/schema/index.js';
import { billedUntilSql, runScope, runTime, unbilledSql, unreconciledSql } from './budget-terms.js';
import { lineCost } from './reconcile-terms.js';
import { conflict, notFound } from '../errors.js';
import { checkBudgetInput, checkBudgetScope, type BudgetInput, type BudgetScopeInput, type ScopeColumns } from './budget-input.js';
import { periodAt, statusInstant, type PeriodWindow } from './budget-periods.js';
import { ProjectService } from './projects.js';
import { forecastBudget, type BudgetForecast } from './forecast.js';
import { isUuid } from './runs.js';
import { sqlStateOf } from '../db/invalid-value.js';

export type { BudgetInput, BudgetScopeInput } from './budget-input.js';

export type BudgetUpdate = Partial<BudgetInput>;

/**
 * Spend of a budget's scope in one period. `billed` comes from the bill, `committed` from estimates
 * of runs the bill does not cover yet; `total` = billed + committed. Decimal strings, summed in SQL.
 */
export interface BudgetSpend {
  period: PeriodWindow;
  currency: string;
  billed: string;
  committed: string;
  total: string;
  /** total × 100 / amount, 2 decimals. */
  percentUsed: string;
}

export class BudgetService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
  ) {}

  private readonly owned = () => eq(budgets.orgId, this.orgId);

  /** A scope as createBudget checks it (BAD_USER_INPUT naming `scope.<field>`); budgetBreached's scope is checked with it. */
  checkScope(scope: BudgetScopeInput): Promise<ScopeColumns> {
    return checkBudgetScope(this.db, this.orgId, scope);
  }

  list(): Promise<BudgetRow[]> {
    return this.db.select().from(budgets).where(this.owned()).orderBy(asc(budgets.name));
  }

  async get(id: string): Promise<BudgetRow> {
    const [row] = isUuid(id) ? await this.db.select().from(budgets).where(and(this.owned(), eq(budgets.id, id))) : [];
    if (!row) throw notFound('Budget', id);
    return row;
  }

  async create(input: BudgetInput): Promise<BudgetRow> {
    const values = await checkBudgetInput(this.db, this.orgId, input);
    const [row] = await this.db
      .insert(budgets)
      .values({ orgId: this.orgId, ...values })
      .onConflictDoNothing({ target: [budgets.orgId, budgets.name] })
      .returning();
    if (!row) throw conflict(`a budget named ${JSON.stringify(input.name)} already exists`, { field: 'name' });
    return row;
  }

  async update(id: string, patch: BudgetUpdate): Promise<BudgetRow> {
    const current = await this.get(id);
    const period = patch.period ?? current.period;
    // a budget moved off CUSTOM leaves its range behind (a calendar period takes none)
    const keptRange = period === 'CUSTOM';
    const merged: BudgetInput = {
      name: patch.name ?? current.name,
      scope: patch.scope ?? (await this.scopeOf(current)),
      period,
      startsAt: patch.startsAt !== undefined ? patch.startsAt : keptRange ? current.startsAt : null,
      endsAt: patch.endsAt !== undefined ? patch.endsAt : keptRange ? current.endsAt : null,
      amount: patch.amount ?? current.amount,
      currency: patch.currency ?? current.currency,
      thresholds: patch.thresholds ?? current.thresholds,
    };
    const values = await checkBudgetInput(this.db, this.orgId, merged);
    try {
      const [row] = await this.db
        .update(budgets)
        .set({ ...values, updatedAt: new Date() })
        .where(and(this.owned(), eq(budgets.id, id)))
        .returning();
      if (!row) throw notFound('Budget', id);
      return row;
    } catch (err) {
      if (sqlStateOf(err) === '23505') throw conflict(`a budget named ${JSON.stringify(merged.name)} already exists`, { field: 'name' });
      throw err;
    }
  }

  async delete(id: string): Promise<boolean> {
    const deleted = isUuid(id) ? await this.db.delete(budgets).where(and(this.owned(), eq(budgets.id, id))).returning({ id: budgets.id }) : [];
    if (deleted.length === 0) throw notFound('Budget', id);
    return true;
  }

  /** The scope as the API shows it (project code rather than id). */
  async scopeOf(budget: BudgetRow): Promise<BudgetScopeInput> {
    const projectCode = budget.projectId ? ((await new ProjectService(this.db, this.orgId).byIds([budget.projectId]))[0]?.code ?? null) : null;
    return { kind: budget.scope, projectCode, pipeline: budget.pipelineName, tagKey: budget.tagKey, tagValue: budget.tagValue };
  }

  /**
   * Spend of the budget's period that contains `at` (default now), to date at `at`: the bill lines and
   * runs of the period up to that instant. BAD_USER_INPUT naming `at` when it is later than now.
   */
  spend(budget: BudgetRow, at?: Date | null): Promise<BudgetSpend> {
    const instant = statusInstant(at);
    return budgetSpend(this.db, budget, periodAt(budget, instant), instant);
  }

  /** Forecast for the period containing `at` (default now), from the spend to date at `at`. */
  async forecast(budget: BudgetRow, at?: Date | null): Promise<BudgetForecast> {
    const instant = statusInstant(at);
    const period = periodAt(budget, instant);
    return forecastBudget(this.db, budget, period, await budgetSpend(this.db, budget, period, instant), instant);
  }
}

/**
 * Spend, summed in SQL numeric. How each scope maps to the bill (README, "Budgets"):
 *
 * - ORGANIZATION and TAG budgets read bill lines directly (`cost_records` in the period, the TAG one
 *   those tagged key=value) at their effective (amortized) cost, else billed: the cost reconciliation
 *   splits and the explorer shows, so an organization budget and the sum of its projects' agree and a
 *   reservation bought upfront counts over the months it covers, not all in the month it was bought; committed = the part of each in-scope run's estimate the bill cannot hold
 *   yet (unbilledSql).
 * - PROJECT and PIPELINE budgets read reconciled runs: billed = `actual_cost` of runs in scope,
 *   committed = `estimated_cost` of runs in scope without one, and of a run still going what its
 *   estimate exceeds what reconciliation allocated it so far. Shared Azure Batch pools carry no
 *   per-project tag, so reconciliation (bill → tasks → runs) is the only attribution that covers them.
 *
 * Only amounts in the budget's currency count. Spend to date at `at`: bill lines charged from, and runs
 * started, at or before it (a period read at its end, or later, is read whole). The data is as it stands
 * now: a bill line for a day before `at` that arrived after it counts, so a closed period read later
 * holds its late lines.
 */
export async function budgetSpend(db: Db, budget: BudgetRow, period: PeriodWindow, at: Date): Promise<BudgetSpend> {
  // dates as ISO text: the postgres.js client under Drizzle does not serialise Date parameters
  const start = period.start.toISOString();
  const end = period.end.toISOString();
  const until = at.toISOString();
  const inPeriod = sql`${runTime} >= ${start}::timestamptz and ${runTime} < ${end}::timestamptz and ${runTime} <= ${until}::timestamptz`;
  const scopedRuns = sql`${runs.orgId} = ${budget.orgId} and ${runs.currency} = ${budget.currency} and ${runScope(budget)} and ${inPeriod}`;
  let billed: SQL;
  let committed: SQL;
  if (budget.scope === 'PROJECT' || budget.scope === 'PIPELINE') {
    billed = sql`select coalesce(sum(${runs.actualCost}), 0) from ${runs} where ${scopedRuns} and ${runs.actualCost} is not null`;
    committed = sql`select coalesce(sum(${unreconciledSql}), 0) from ${runs} where ${scopedRuns} and ${runs.estimatedCost} is not null`;
  } else {
    const tagged = budget.scope === 'TAG' ? sql`and ${costRecords.tags} @> ${JSON.stringify({ [budget.tagKey!]: budget.tagValue! })}::jsonb` : sql``;
    billed = sql`select coalesce(sum(${lineCost(sql`${costRecords}`)}), 0) from ${costRecords}
      where ${costRecords.orgId} = ${budget.orgId} and ${costRecords.currency} = ${budget.currency}
        and ${costRecords.chargePeriodStart} >= ${start}::timestamptz and ${costRecords.chargePeriodStart} < ${end}::timestamptz
        and ${costRecords.chargePeriodStart} <= ${until}::timestamptz ${tagged}`;
    committed = sql`select coalesce(sum(${unbilledSql(billedUntilSql(budget.orgId))}), 0) from ${runs} where ${scopedRuns} and ${runs.estimatedCost} is not null`;
  }
  const [row] = await db.execute<{ billed: string; committed: string; total: string; percent_used: string }>(sql`
    with s as (select (${billed}) as billed, (${committed}) as committed)
    select billed::text, committed::text, (billed + committed)::text as total,
           round((billed + committed) * 100 / ${budget.amount}::numeric, 2)::text as percent_used
    from s`);
  return { period, currency: budget.currency, billed: row.billed, committed: row.committed, total: row.total, percentUsed: row.percent_used };
}
