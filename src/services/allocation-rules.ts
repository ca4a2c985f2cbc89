import { createHash } from 'node:crypto';
import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { allocationRules, type AllocationMatch, type AllocationRuleRow } from '../db/schema/index.js';
import { badInput, conflict, notFound } from '../errors.js';
import { isPoolLine, lineCost } from './reconcile-terms.js';
import { isUuid } from './runs.js';

export const UNALLOCATED = 'Unallocated';
const MATCH_FIELDS = ['tags', 'resourceId', 'resourceGroup', 'service', 'sku', 'project'] as const;

export interface AllocationRuleInput {
  name: string;
  priority: number;
  costCentre: string;
  match: AllocationMatch;
}

export interface AllocationWindow {
  from: Date;
  /** Exclusive. */
  to: Date;
}

export interface CostCentreTotal {
  costCentre: string;
  currency: string;
  amount: string;
  rows: number;
}

export interface AllocationMove {
  from: string;
  to: string;
  currency: string;
  amount: string;
  rows: number;
}

type Rule = Pick<AllocationRuleRow, 'priority' | 'costCentre' | 'match'>;

/** `*` and `?` globs as an ILIKE pattern, everything else literal. */
const likeOf = (glob: string) => glob.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');

function condition(match: AllocationMatch): SQL {
  const parts: SQL[] = [];
  if (match.tags) parts.push(sql`c.tags @> ${JSON.stringify(match.tags)}::jsonb`);
  if (match.resourceId) parts.push(sql`c.resource_id ilike ${likeOf(match.resourceId)} escape '\\'`);
  if (match.resourceGroup) parts.push(sql`c.resource_group ilike ${likeOf(match.resourceGroup)} escape '\\'`);
  if (match.service) parts.push(sql`lower(c.service_name) = lower(${match.service})`);
  if (match.sku) parts.push(sql`c.sku_id = ${match.sku}`);
  if (match.project) parts.push(sql`exists (select 1 from jsonb_each_text(c.tags) t where lower(t.key) = 'project' and t.value = ${match.project})`);
  return sql.join(parts, sql` and `);
}

/** The cost centre of a bill line `c` under `rules` (already in priority order). */
export function costCentreOf(rules: readonly Rule[]): SQL {
  if (rules.length === 0) return sql`${UNALLOCATED}::text`;
  return sql`case ${sql.join(rules.map((r) => sql`when ${condition(r.match)} then ${r.costCentre}::text`), sql` `)} else ${UNALLOCATED}::text end`;
}

/**
 * The cost centre of a bill piece `alias` (columns of cost-rollup `actualPieces`) under `rules`: null
 * for a piece a task explains, else the first matching rule's centre.
 */
export function pieceCostCentre(rules: readonly Rule[], alias: string): SQL {
  const p = (col: string) => sql.raw(`${alias}.${col}`);
  return sql`case when ${p('explained')} then null else (select ${costCentreOf(rules)} from (select ${p('tags')}, ${p('resource_id')}, ${p('resource_group')}, ${p('service_name')}, ${p('sku_id')}) c) end`;
}

/** The organization's rules in the order they apply, read through `executor` (a transaction, or the pool). */
export function rulesOf(executor: Pick<Db, 'select'> | Pick<Parameters<Parameters<Db['transaction']>[0]>[0], 'select'>, orgId: string): Promise<AllocationRuleRow[]> {
  return executor.select().from(allocationRules).where(eq(allocationRules.orgId, orgId)).orderBy(asc(allocationRules.priority));
}

/**
 * What the cost centres of a set of rules depend on (order, matches, centres; not names or ids), as
 * a hash: the rollup records it per day, and a day built under other rules is not read for cost centres.
 */
export function rulesFingerprint(rules: readonly Rule[]): string {
  const canonical = (value: unknown): unknown =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, canonical(v)]))
      : value;
  const ordered = [...rules].sort((a, b) => a.priority - b.priority).map((r) => [r.priority, canonical(r.match), r.costCentre]);
  return createHash('sha256').update(JSON.stringify(ordered)).digest('hex');
}

/**
 * Allocation rules for the bill lines no task explains: every line that is not a pool line (pool
 * lines are split over tasks and idle by reconciliation), at its cost as reconciliation counts it.
 */
export class AllocationRuleService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
  ) {}

  list(): Promise<AllocationRuleRow[]> {
    return rulesOf(this.db, this.orgId);
  }

  async create(input: AllocationRuleInput): Promise<AllocationRuleRow> {
    const values = validate(input);
    const [row] = await this.db.insert(allocationRules).values({ orgId: this.orgId, ...values }).onConflictDoNothing().returning();
    if (!row) throw conflict(`priority ${values.priority} is taken by another rule: give another, or remove that rule first`, { field: 'priority' });
    return row;
  }

  async remove(id: string): Promise<boolean> {
    if (!isUuid(id)) throw notFound('allocation rule', id);
    const gone = await this.db.delete(allocationRules).where(and(eq(allocationRules.orgId, this.orgId), eq(allocationRules.id, id))).returning({ id: allocationRules.id });
    if (gone.length === 0) throw notFound('allocation rule', id);
    return true;
  }

  /** Unexplained spend per cost centre and currency over the window, under the saved rules. */
  async costCentres(window: AllocationWindow): Promise<CostCentreTotal[]> {
    const rules = await this.list();
    const rows = await this.db.execute(sql`
      select ${costCentreOf(rules)} as cost_centre, c.currency, sum(${lineCost(sql`c`)})::text as amount, count(*)::int as rows
      from cost_records c where ${this.unexplained(window)}
      group by 1, 2 order by 1, 2`);
    return [...(rows as unknown as Record<string, string | number>[])].map((r) => ({ costCentre: String(r.cost_centre), currency: String(r.currency).trim(), amount: String(r.amount), rows: Number(r.rows) }));
  }

  /** What saving `input` would move, from which cost centre to which, computed exactly as a save would apply it. */
  async dryRun(input: AllocationRuleInput, window: AllocationWindow): Promise<AllocationMove[]> {
    const candidate = validate(input);
    const current = await this.list();
    if (current.some((r) => r.priority === candidate.priority)) throw conflict(`priority ${candidate.priority} is taken by another rule`, { field: 'priority' });
    const next = [...current, candidate].sort((x, y) => x.priority - y.priority);
    const rows = await this.db.execute(sql`
      select * from (
        select ${costCentreOf(current)} as before, ${costCentreOf(next)} as after, c.currency, sum(${lineCost(sql`c`)})::text as amount, count(*)::int as rows
        from cost_records c where ${this.unexplained(window)}
        group by 1, 2, 3) m
      where before <> after order by 1, 2, 3`);
    return [...(rows as unknown as Record<string, string | number>[])].map((r) => ({ from: String(r.before), to: String(r.after), currency: String(r.currency).trim(), amount: String(r.amount), rows: Number(r.rows) }));
  }

  private unexplained(window: AllocationWindow): SQL {
    if (!(window.from < window.to)) throw badInput('to', 'must be after from');
    return sql`c.org_id = ${this.orgId}
      and c.charge_period_start >= ${window.from.toISOString()}::timestamptz and c.charge_period_start < ${window.to.toISOString()}::timestamptz
      and not ${isPoolLine(sql`c`)}`;
  }
}

function validate(input: AllocationRuleInput): AllocationRuleInput {
  const name = input.name.trim();
  const costCentre = input.costCentre.trim();
  if (name === '') throw badInput('name', 'must not be empty');
  if (costCentre === '') throw badInput('costCentre', 'must not be empty');
  if (costCentre.toLowerCase() === UNALLOCATED.toLowerCase()) throw badInput('costCentre', `"${UNALLOCATED}" is what matches no rule; name a real cost centre`);
  if (!Number.isInteger(input.priority) || input.priority < 1 || input.priority > 100_000) throw badInput('priority', 'must be an integer from 1 to 100000');
  const match: AllocationMatch = {};
  for (const field of MATCH_FIELDS) {
    const value = input.match[field];
    if (value == null) continue;
    if (field === 'tags') {
      const tags: Record<string, string> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') throw badInput(`match.tags.${k}`, `tag values are strings, got ${JSON.stringify(v)}`);
        tags[k] = v;
      }
      if (Object.keys(tags).length > 0) match.tags = tags;
    } else {
      const text = String(value).trim();
      if (text === '' || text.length > 1000) throw badInput(`match.${field}`, 'must be 1 to 1000 characters');
      match[field] = text;
    }
  }
  if (Object.keys(match).length === 0) throw badInput('match', `give at least one of ${MATCH_FIELDS.join(', ')}: a rule matching everything would hide what is unallocated`);
  return { name, costCentre, priority: input.priority, match };
}
