/**
 * The one place budget input is checked, for every caller (GraphQL, the demo, tests). It goes on past
 * the first mistake: a LIMS sending a budget learns of every invalid field in one BAD_USER_INPUT
 * (`extensions.fields`, each field path with its problems), not one per round trip.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { pipelines, type BudgetPeriod, type BudgetScope, type BudgetThreshold } from '../db/schema/index.js';
import { parseCurrency } from '../ingest/costs/currency.js';
import { InputProblems } from '../input/problems.js';

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

/** Thresholds are percentages of the amount: above 0, at most this. */
export const MAX_THRESHOLD_PERCENT = 500;

const MAX_THRESHOLDS = 20;

/** The scope columns of a budget row. */
export interface ScopeColumns {
  scope: BudgetScope;
  projectId: string | null;
  pipelineName: string | null;
  tagKey: string | null;
  tagValue: string | null;
}

// the lengths BudgetScopeInput's decorators hold the budgetBreached filter to, here for every caller
const SCOPE_FIELDS = {
  projectCode: { min: 1, max: 128 },
  pipeline: { min: 1, max: 200 },
  tagKey: { min: 1, max: 128 },
  tagValue: { min: 0, max: 256 },
} as const satisfies Record<Exclude<keyof BudgetScopeInput, 'kind'>, { min: number; max: number }>;

type ScopeField = keyof typeof SCOPE_FIELDS;

const SCOPE_FIELDS_OF: Record<BudgetScope, ScopeField[]> = {
  ORGANIZATION: [],
  PROJECT: ['projectCode'],
  PIPELINE: ['pipeline'],
  TAG: ['tagKey', 'tagValue'],
};

/** The budget row's values for `input` in organization `orgId`, or BAD_USER_INPUT naming every invalid field. */
export async function checkBudgetInput(db: Db, orgId: string, input: BudgetInput) {
  const problems = new InputProblems();
  const name = input.name.trim();
  if (name === '' || name.length > 200) problems.add('name', 'must be 1-200 characters');
  const amount = await checkAmount(db, input.amount, problems);
  const currency = await checkCurrency(db, orgId, input.currency, problems);
  const scope = await checkScope(db, orgId, input.scope, problems);
  const range = checkRange(input, problems);
  const thresholds = checkThresholds(input.thresholds, problems);
  problems.throwIfAny();
  return { name, ...scope!, period: input.period, ...range, amount, currency: currency!, thresholds };
}

async function checkAmount(db: Db, given: string, problems: InputProblems): Promise<string> {
  const amount = given.trim();
  if (!/^\d+(\.\d+)?$/.test(amount)) {
    problems.add('amount', `must be a positive decimal number, got ${JSON.stringify(given)}`);
    return amount;
  }
  // numeric, not a float: "0.000…01" is above 0
  const [{ positive }] = await db.execute<{ positive: boolean }>(sql`select ${amount}::numeric > 0 as positive`);
  if (!positive) problems.add('amount', 'must be greater than 0');
  return amount;
}

async function checkCurrency(db: Db, orgId: string, given: string | null | undefined, problems: InputProblems): Promise<string | null> {
  if (given) {
    const parsed = parseCurrency(given);
    if (!parsed) problems.add('currency', `${JSON.stringify(given)} is not an ISO 4217 currency code`);
    return parsed;
  }
  const [org] = await db.execute<{ currency: string }>(sql`select currency from organizations where id = ${orgId}`);
  return org.currency;
}

/**
 * A scope checked as `checkBudgetInput` checks one (same function), on its own: budgetBreached's scope,
 * which would otherwise listen forever for a scope no budget can have. BAD_USER_INPUT naming its fields.
 */
export async function checkBudgetScope(db: Db, orgId: string, scope: BudgetScopeInput): Promise<ScopeColumns> {
  const problems = new InputProblems();
  const columns = await checkScope(db, orgId, scope, problems);
  problems.throwIfAny();
  return columns!;
}

/** The scope's columns; null when a problem was added. */
async function checkScope(db: Db, orgId: string, scope: BudgetScopeInput, problems: InputProblems): Promise<ScopeColumns | null> {
  const wanted = SCOPE_FIELDS_OF[scope.kind];
  if (!wanted) {
    problems.add('scope.kind', `unknown scope ${JSON.stringify(scope.kind)}`);
    return null;
  }
  let ok = true;
  const fail = (field: ScopeField, problem: string) => {
    problems.add(`scope.${field}`, problem);
    ok = false;
  };
  for (const field of Object.keys(SCOPE_FIELDS) as ScopeField[]) {
    const value = scope[field];
    if (!wanted.includes(field)) {
      if (value != null) fail(field, `does not apply to a ${scope.kind} scope`);
    } else if (value == null || (value === '' && SCOPE_FIELDS[field].min > 0)) {
      fail(field, `is required for a ${scope.kind} scope`);
    } else if (value.length > SCOPE_FIELDS[field].max) {
      fail(field, `must be at most ${SCOPE_FIELDS[field].max} characters`);
    }
  }
  if (!ok) return null;

  const columns: ScopeColumns = { scope: scope.kind, projectId: null, pipelineName: null, tagKey: null, tagValue: null };
  switch (scope.kind) {
    case 'PROJECT': {
      const [project] = await db.execute<{ id: string }>(sql`select id from projects where org_id = ${orgId} and code = ${scope.projectCode}`);
      if (!project) {
        fail('projectCode', `no project with code ${JSON.stringify(scope.projectCode)}`);
        return null;
      }
      columns.projectId = project.id;
      break;
    }
    case 'PIPELINE': {
      const found = await db.select({ id: pipelines.id }).from(pipelines).where(and(eq(pipelines.orgId, orgId), eq(pipelines.name, scope.pipeline!))).limit(1);
      if (found.length === 0) {
        fail('pipeline', `no pipeline named ${JSON.stringify(scope.pipeline)} has run or been registered`);
        return null;
      }
      columns.pipelineName = scope.pipeline!;
      break;
    }
    case 'TAG':
      columns.tagKey = scope.tagKey!;
      columns.tagValue = scope.tagValue!;
      break;
  }
  return columns;
}

function checkRange(input: BudgetInput, problems: InputProblems): { startsAt: Date | null; endsAt: Date | null } {
  if (input.period !== 'CUSTOM') {
    const range = `only a CUSTOM period takes a range; ${input.period} periods follow the calendar (UTC)`;
    if (input.startsAt != null) problems.add('startsAt', range);
    if (input.endsAt != null) problems.add('endsAt', range);
    return { startsAt: null, endsAt: null };
  }
  if (!input.startsAt) problems.add('startsAt', 'is required for a CUSTOM period');
  if (!input.endsAt) problems.add('endsAt', 'is required for a CUSTOM period');
  if (input.startsAt && input.endsAt && input.endsAt <= input.startsAt) problems.add('endsAt', 'must be after startsAt');
  return { startsAt: input.startsAt ?? null, endsAt: input.endsAt ?? null };
}

function checkThresholds(given: BudgetThreshold[], problems: InputProblems): BudgetThreshold[] {
  if (given.length > MAX_THRESHOLDS) problems.add('thresholds', `at most ${MAX_THRESHOLDS}, got ${given.length}`);
  const seen = new Set<string>();
  given.forEach((t, i) => {
    if (!Number.isFinite(t.percent) || t.percent <= 0 || t.percent > MAX_THRESHOLD_PERCENT) {
      problems.add(`thresholds.${i}.percent`, `must be above 0 and at most ${MAX_THRESHOLD_PERCENT}, got ${t.percent}`);
    }
    if (t.basis !== 'ACTUAL' && t.basis !== 'FORECAST') problems.add(`thresholds.${i}.basis`, 'must be ACTUAL or FORECAST');
    const k = `${t.basis}:${t.percent}`;
    if (seen.has(k)) problems.add(`thresholds.${i}`, `${t.percent}% on ${t.basis} is given twice`);
    seen.add(k);
  });
  return given.map((t) => ({ percent: t.percent, basis: t.basis })).sort((a, b) => a.percent - b.percent);
}
