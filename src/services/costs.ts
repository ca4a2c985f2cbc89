import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type postgres from 'postgres';
import type { Db } from '../db/client.js';
import { badInput } from '../errors.js';
import { checkNotReversed, instantInYears } from '../input/dates.js';
import { providerKey } from '../ingest/costs/index.js';
import type { CurrencyTotal } from './cost-loader.js';
import { checkPageSize, decodeOffsetCursor, offsetPage, type Page } from './pagination.js';

export const COST_DIMENSIONS = ['DAY', 'MONTH', 'PROVIDER', 'SUB_ACCOUNT', 'RESOURCE_GROUP', 'RESOURCE', 'SERVICE', 'REGION', 'TAG'] as const;
export type CostDimension = (typeof COST_DIMENSIONS)[number];

export interface CostGroupBy {
  dimension: CostDimension;
  /** Required with TAG, refused otherwise. */
  tagKey?: string | null;
}

export interface CostFilter {
  /** Charge periods starting at or after. */
  from?: Date | null;
  /** Charge periods starting before (half-open). */
  to?: Date | null;
  /** Any of these providers (`azure`, `aws`… or FOCUS names such as `Microsoft`). */
  provider?: string[] | null;
  /** Any of these sub-accounts (subscriptions), by id or by name. */
  subAccount?: string[] | null;
  /** Any of these resource groups (case-insensitive: Azure's are stored lower-case). */
  resourceGroup?: string[] | null;
  service?: string[] | null;
  region?: string[] | null;
  /** Every given tag must match exactly. */
  tags?: Record<string, unknown> | null;
}

export interface CostGroupKeys {
  day: string | null;
  month: string | null;
  provider: string | null;
  subAccount: string | null;
  resourceGroup: string | null;
  resource: string | null;
  service: string | null;
  region: string | null;
  /** One entry per TAG grouping, in the order asked. */
  tags: { key: string; value: string | null }[] | null;
}

export interface CostGroupRow {
  keys: CostGroupKeys;
  currency: string;
  /** Sum of billed cost in Postgres numeric, as a decimal string. */
  amount: string;
  rows: number;
}

export type CostGroupPage = Page<CostGroupRow>;

export const MAX_GROUP_BY = 6;

/** The expression a dimension groups by; every one is a column or a fixed expression, never caller text. */
const KEY_SQL: Record<Exclude<CostDimension, 'TAG'>, { key: Exclude<keyof CostGroupKeys, 'tags'>; expr: SQL }> = {
  DAY: { key: 'day', expr: sql`to_char(charge_period_start at time zone 'UTC', 'YYYY-MM-DD')` },
  MONTH: { key: 'month', expr: sql`to_char(charge_period_start at time zone 'UTC', 'YYYY-MM')` },
  PROVIDER: { key: 'provider', expr: sql`provider` },
  SUB_ACCOUNT: { key: 'subAccount', expr: sql`sub_account_id` },
  RESOURCE_GROUP: { key: 'resourceGroup', expr: sql`resource_group` },
  RESOURCE: { key: 'resource', expr: sql`resource_id` },
  SERVICE: { key: 'service', expr: sql`service_name` },
  REGION: { key: 'region', expr: sql`region_id` },
};

/** The field of `CostGroupKeys` a (non-TAG) dimension fills. */
export const groupKeyField = (dimension: Exclude<CostDimension, 'TAG'>) => KEY_SQL[dimension].key;

/**
 * The cost explorer: billed cost of one organization, filtered, grouped by dimensions and by
 * currency (amounts in different currencies are never added), summed in SQL `numeric`.
 */
export class CostService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly maxPageSize: number,
  ) {}

  /**
   * Groups ordered by their keys (ascending, nulls last) then currency. Offset cursors: the groups are
   * an aggregate Postgres computes in full for any page, so a keyset would save nothing, and offsets
   * handle null keys and any mix of dimensions.
   */
  async groups(filter: CostFilter, groupBy: readonly CostGroupBy[], first: number, after?: string | null): Promise<CostGroupPage> {
    checkPageSize(first, this.maxPageSize);
    const dims = normalizeGroupBy(groupBy);
    const offset = decodeOffsetCursor(after, 'costs');
    const query = sql`${this.groupQuery(filter, dims)} limit ${first + 1} offset ${offset}`;
    const result = (await this.db.execute(query)) as unknown as Record<string, string | number | null>[];
    return offsetPage([...result].map((r) => toGroup(r, dims)), first, offset, 'costs');
  }

  /**
   * Every group, in the same order as `groups`, read through a server-side cursor `batch` rows at a
   * time: for exports, where a client wants the whole result without paging and the server must not
   * hold it in memory.
   */
  async *allGroups(filter: CostFilter, groupBy: readonly CostGroupBy[], batch = 1000): AsyncGenerator<{ dims: CostGroupBy[]; group: CostGroupRow }> {
    const dims = normalizeGroupBy(groupBy);
    const query = new PgDialect().sqlToQuery(this.groupQuery(filter, dims));
    const cursor = this.db.$client.unsafe(query.sql, query.params as postgres.ParameterOrJSON<never>[]).cursor(batch);
    for await (const rows of cursor) {
      for (const r of rows) yield { dims, group: toGroup(r as Record<string, string | number | null>, dims) };
    }
  }

  /** Groups ordered by their keys (ascending, nulls last), then currency. */
  private groupQuery(filter: CostFilter, dims: CostGroupBy[]): SQL {
    const keyExprs = dims.map((d) => (d.dimension === 'TAG' ? sql`tags ->> ${d.tagKey}` : KEY_SQL[d.dimension].expr));
    const selected = keyExprs.map((expr, i) => sql`${expr} as ${sql.raw(`k${i}`)}`);
    const positions = [...keyExprs.map((_, i) => i + 1), keyExprs.length + 1];
    return sql`
      select ${sql.join([...selected, sql`currency`], sql`, `)}, sum(billed_cost)::text as amount, count(*)::int as rows
      from cost_records
      where ${this.where(filter)}
      group by ${sql.raw(positions.join(', '))}
      order by ${sql.raw(positions.map((p) => `${p} asc nulls last`).join(', '))}`;
  }

  /** Billed cost per currency over everything the filter matches. */
  async totals(filter: CostFilter): Promise<CurrencyTotal[]> {
    const result = (await this.db.execute(sql`
      select currency, sum(billed_cost)::text as amount, count(*)::int as rows
      from cost_records where ${this.where(filter)}
      group by currency order by currency`)) as unknown as CurrencyTotal[];
    return [...result].map(({ currency, amount, rows }) => ({ currency, amount, rows }));
  }

  private where(filter: CostFilter): SQL {
    const conditions: SQL[] = [sql`org_id = ${this.orgId}`];
    if (filter.from) conditions.push(sql`charge_period_start >= ${instantInYears('filter.from', filter.from).toISOString()}::timestamptz`);
    if (filter.to) conditions.push(sql`charge_period_start < ${instantInYears('filter.to', filter.to).toISOString()}::timestamptz`);
    checkNotReversed(filter.from, filter.to, { from: 'filter.from', to: 'filter.to' });
    const anyOf = (field: string, values: string[] | null | undefined, columns: SQL[], map: (v: string) => string = (v) => v) => {
      if (values == null) return;
      if (values.length === 0 || values.length > 100) throw badInput(`filter.${field}`, 'give 1 to 100 values');
      const list = sql.join(values.map((v) => sql`${map(v)}`), sql`, `);
      conditions.push(sql`(${sql.join(columns.map((c) => sql`${c} in (${list})`), sql` or `)})`);
    };
    anyOf('provider', filter.provider, [sql`provider`], providerKey);
    anyOf('subAccount', filter.subAccount, [sql`sub_account_id`, sql`sub_account_name`]);
    anyOf('resourceGroup', filter.resourceGroup, [sql`lower(resource_group)`], (v) => v.toLowerCase());
    anyOf('service', filter.service, [sql`service_name`]);
    anyOf('region', filter.region, [sql`region_id`]);
    if (filter.tags != null) {
      const tags: Record<string, string> = {};
      for (const [key, value] of Object.entries(filter.tags)) {
        if (typeof value !== 'string') throw badInput(`filter.tags.${key}`, `tag values are strings, got ${JSON.stringify(value)}`);
        tags[key] = value;
      }
      if (Object.keys(tags).length > 0) conditions.push(sql`tags @> ${JSON.stringify(tags)}::jsonb`);
    }
    return sql.join(conditions, sql` and `);
  }
}

function normalizeGroupBy(groupBy: readonly CostGroupBy[]): CostGroupBy[] {
  if (groupBy.length > MAX_GROUP_BY) throw badInput('groupBy', `at most ${MAX_GROUP_BY} dimensions`);
  const seen = new Set<string>();
  return groupBy.map((g, i) => {
    if (!COST_DIMENSIONS.includes(g.dimension)) throw badInput(`groupBy.${i}.dimension`, `unknown dimension ${JSON.stringify(g.dimension)}`);
    if (g.dimension === 'TAG') {
      if (!g.tagKey) throw badInput(`groupBy.${i}.tagKey`, 'TAG needs the tag key to group by');
    } else if (g.tagKey != null) {
      throw badInput(`groupBy.${i}.tagKey`, `only TAG takes a tag key, not ${g.dimension}`);
    }
    const id = g.dimension === 'TAG' ? `TAG:${g.tagKey}` : g.dimension;
    if (seen.has(id)) throw badInput(`groupBy.${i}`, `${id} is given twice`);
    seen.add(id);
    return { dimension: g.dimension, tagKey: g.dimension === 'TAG' ? g.tagKey : null };
  });
}

function toGroup(r: Record<string, string | number | null>, dims: CostGroupBy[]): CostGroupRow {
  const keys: CostGroupKeys = { day: null, month: null, provider: null, subAccount: null, resourceGroup: null, resource: null, service: null, region: null, tags: null };
  dims.forEach((d, i) => {
    const value = r[`k${i}`] == null ? null : String(r[`k${i}`]);
    if (d.dimension === 'TAG') (keys.tags ??= []).push({ key: d.tagKey!, value });
    else keys[KEY_SQL[d.dimension].key] = value;
  });
  return { keys, currency: String(r.currency).trim(), amount: String(r.amount), rows: Number(r.rows) };
}
