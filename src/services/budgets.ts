import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { budgets, costRecords, pipelines, runs, type BudgetPeriod, type BudgetRow, type BudgetScope, type BudgetThreshold } from '../db/schema/index.js';
import { billedUntilSql, runScope, runTime, unbilledSql, unreconciledSql } from './budget-terms.js';
import { lineCost } from './reconcile-terms.js';
import { badInput, conflict, notFound } from '../errors.js';
import { parseCurrency } from '../ingest/costs/currency.js';
import { periodAt, type PeriodWindow } from './budget-periods.js';
import { ProjectService } from './projects.js';
import { forecastBudget, type BudgetForecast } from './forecast.js';
import { isUuid } from './runs.js';
import { sqlStateOf } from '../db/invalid-value.js';

export interface BudgetScopeInput {
  kind: BudgetScope;
  projectCode?: string | null;
  pipeline?: string | null;
  tagKey?: string | null;
  tagValue?: string | null;
}

export interface BudgetInput {
  name: string;
  scope: BudgetScopeInput;
  period: BudgetPeriod;
  startsAt?: Date | null;
  endsAt?: Date | null;
  /** Decimal string. */
  amount: string;
  /** Defaults to the organization's currency. */
  currency?: string | null;
  thresholds: BudgetThreshold[];
}

export type BudgetUpdate = Partial<BudgetInput>;

/** Thresholds are percentages of the amount: above 0, at most this. */
export const MAX_THRESHOLD_PERCENT = 500;

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

  list(): Promise<BudgetRow[]> {
    return this.db.select().from(budgets).where(this.owned()).orderBy(asc(budgets.name));
  }

  async get(id: string): Promise<BudgetRow> {
    const [row] = isUuid(id) ? await this.db.select().from(budgets).where(and(this.owned(), eq(budgets.id, id))) : [];
    if (!row) throw notFound('Budget', id);
    return row;
  }

  async create(input: BudgetInput): Promise<BudgetRow> {
    const values = await this.validate(input);
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
    const values = await this.validate(merged);
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
   * A budget scope's columns, refused (BAD_USER_INPUT naming `scope.<field>`) as createBudget refuses it. Also
   * the check of budgetBreached's scope: a listener on a scope no budget can have would wait forever.
   */
  async checkScope(scope: BudgetScopeInput): Promise<{ scope: BudgetScope; projectId: string | null; pipelineName: string | null; tagKey: string | null; tagValue: string | null }> {
    let projectId: string | null = null;
    let pipelineName: string | null = null;
    let tagKey: string | null = null;
    let tagValue: string | null = null;
    const extra = (field: keyof BudgetScopeInput) => {
      if (scope[field] != null) throw badInput(`scope.${field}`, `does not apply to a ${scope.kind} scope`);
    };
    switch (scope.kind) {
      case 'ORGANIZATION':
        (['projectCode', 'pipeline', 'tagKey', 'tagValue'] as const).forEach(extra);
        break;
      case 'PROJECT': {
        (['pipeline', 'tagKey', 'tagValue'] as const).forEach(extra);
        if (!scope.projectCode) throw badInput('scope.projectCode', 'is required for a PROJECT scope');
        const [project] = await this.db.execute<{ id: string }>(sql`select id from projects where org_id = ${this.orgId} and code = ${scope.projectCode}`);
        if (!project) throw badInput('scope.projectCode', `no project with code ${JSON.stringify(scope.projectCode)}`);
        projectId = project.id;
        break;
      }
      case 'PIPELINE': {
        (['projectCode', 'tagKey', 'tagValue'] as const).forEach(extra);
        if (!scope.pipeline) throw badInput('scope.pipeline', 'is required for a PIPELINE scope');
        const found = await this.db.select({ id: pipelines.id }).from(pipelines).where(and(eq(pipelines.orgId, this.orgId), eq(pipelines.name, scope.pipeline))).limit(1);
        if (found.length === 0) throw badInput('scope.pipeline', `no pipeline named ${JSON.stringify(scope.pipeline)} has run or been registered`);
        pipelineName = scope.pipeline;
        break;
      }
      case 'TAG':
        (['projectCode', 'pipeline'] as const).forEach(extra);
        if (!scope.tagKey) throw badInput('scope.tagKey', 'is required for a TAG scope');
        if (scope.tagValue == null) throw badInput('scope.tagValue', 'is required for a TAG scope');
        tagKey = scope.tagKey;
        tagValue = scope.tagValue;
        break;
      default:
        throw badInput('scope.kind', `unknown scope ${JSON.stringify(scope.kind)}`);
    }
    return { scope: scope.kind, projectId, pipelineName, tagKey, tagValue };
  }

  /**
   * The one place budget input is checked; every message names its field. Type-level checks (enum
   * values, lengths) happen in the GraphQL input classes, the rest here, where callers other than
   * GraphQL pass too.
   */
  private async validate(input: BudgetInput) {
    const name = input.name.trim();
    if (name === '' || name.length > 200) throw badInput('name', 'must be 1-200 characters');
    if (!/^\d+(\.\d+)?$/.test(input.amount.trim())) throw badInput('amount', `must be a positive decimal number, got ${JSON.stringify(input.amount)}`);
    const [{ positive }] = await this.db.execute<{ positive: boolean }>(sql`select ${input.amount.trim()}::numeric > 0 as positive`);
    if (!positive) throw badInput('amount', 'must be greater than 0');

    let currency: string;
    if (input.currency) {
      const parsed = parseCurrency(input.currency);
      if (!parsed) throw badInput('currency', `${JSON.stringify(input.currency)} is not an ISO 4217 currency code`);
      currency = parsed;
    } else {
      const [org] = await this.db.execute<{ currency: string }>(sql`select currency from organizations where id = ${this.orgId}`);
      currency = org.currency;
    }

    const scope = await this.checkScope(input.scope);

    let startsAt: Date | null = null;
    let endsAt: Date | null = null;
    if (input.period === 'CUSTOM') {
      if (!input.startsAt) throw badInput('startsAt', 'is required for a CUSTOM period');
      if (!input.endsAt) throw badInput('endsAt', 'is required for a CUSTOM period');
      if (input.endsAt <= input.startsAt) throw badInput('endsAt', 'must be after startsAt');
      startsAt = input.startsAt;
      endsAt = input.endsAt;
    } else if (input.startsAt != null || input.endsAt != null) {
      throw badInput(input.startsAt != null ? 'startsAt' : 'endsAt', `only a CUSTOM period takes a range; ${input.period} periods follow the calendar (UTC)`);
    }

    if (input.thresholds.length > 20) throw badInput('thresholds', 'at most 20');
    const seen = new Set<string>();
    input.thresholds.forEach((t, i) => {
      if (!Number.isFinite(t.percent) || t.percent <= 0 || t.percent > MAX_THRESHOLD_PERCENT) {
        throw badInput(`thresholds.${i}.percent`, `must be above 0 and at most ${MAX_THRESHOLD_PERCENT}, got ${t.percent}`);
      }
      if (t.basis !== 'ACTUAL' && t.basis !== 'FORECAST') throw badInput(`thresholds.${i}.basis`, 'must be ACTUAL or FORECAST');
      const k = `${t.basis}:${t.percent}`;
      if (seen.has(k)) throw badInput(`thresholds.${i}`, `${t.percent}% on ${t.basis} is given twice`);
      seen.add(k);
    });
    const thresholds = input.thresholds.map((t) => ({ percent: t.percent, basis: t.basis })).sort((a, b) => a.percent - b.percent);

    return { name, ...scope, period: input.period, startsAt, endsAt, amount: input.amount.trim(), currency, thresholds };
  }

  /** Spend of the budget's period that contains `at` (default now). */
  spend(budget: BudgetRow, at: Date = new Date()): Promise<BudgetSpend> {
    return budgetSpend(this.db, budget, periodAt(budget, at));
  }

  /** Forecast for the period containing `at` (default now). */
  async forecast(budget: BudgetRow, at: Date = new Date()): Promise<BudgetForecast> {
    const period = periodAt(budget, at);
    return forecastBudget(this.db, budget, period, await budgetSpend(this.db, budget, period), at);
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
 * Only amounts in the budget's currency count.
 */
export async function budgetSpend(db: Db, budget: BudgetRow, period: PeriodWindow): Promise<BudgetSpend> {
  // dates as ISO text: the postgres.js client under Drizzle does not serialise Date parameters
  const start = period.start.toISOString();
  const end = period.end.toISOString();
  const inPeriod = sql`${runTime} >= ${start}::timestamptz and ${runTime} < ${end}::timestamptz`;
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
        and ${costRecords.chargePeriodStart} >= ${start}::timestamptz and ${costRecords.chargePeriodStart} < ${end}::timestamptz ${tagged}`;
    committed = sql`select coalesce(sum(${unbilledSql(billedUntilSql(budget.orgId))}), 0) from ${runs} where ${scopedRuns} and ${runs.estimatedCost} is not null`;
  }
  const [row] = await db.execute<{ billed: string; committed: string; total: string; percent_used: string }>(sql`
    with s as (select (${billed}) as billed, (${committed}) as committed)
    select billed::text, committed::text, (billed + committed)::text as total,
           round((billed + committed) * 100 / ${budget.amount}::numeric, 2)::text as percent_used
    from s`);
  return { period, currency: budget.currency, billed: row.billed, committed: row.committed, total: row.total, percentUsed: row.percent_used };
}
