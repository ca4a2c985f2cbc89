import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { requiredTagKeys } from '../db/schema/index.js';
import { badInput } from '../errors.js';
import { checkPageSize, decodeOffsetCursor, offsetPage, type Page } from './pagination.js';

export const MAX_REQUIRED_TAG_KEYS = 50;

/** Lock namespace (first key of pg_advisory_xact_lock) of one organization's required-key replacements. */
const REQUIRED_KEYS_LOCK = 7_240_041;
export const COMPLIANCE_GRANULARITIES = ['DAY', 'MONTH'] as const;
export type ComplianceGranularity = (typeof COMPLIANCE_GRANULARITIES)[number];

export interface ComplianceWindow {
  from: Date;
  /** Exclusive. */
  to: Date;
}

/** Spend in one currency, and the part of it on resources missing a required tag. */
export interface ComplianceTotal {
  currency: string;
  total: string;
  untagged: string;
  /** untagged / total, computed in numeric; null when the total is 0. */
  untaggedShare: number | null;
  rows: number;
  untaggedRows: number;
}

/** Untagged spend of one period, resource group, service and set of missing keys, in one currency. */
export interface ComplianceGroup {
  period: string;
  resourceGroup: string | null;
  service: string | null;
  missingKeys: string[];
  currency: string;
  amount: string;
  rows: number;
}

const PERIOD_SQL: Record<ComplianceGranularity, ReturnType<typeof sql>> = {
  DAY: sql`to_char(c.charge_period_start at time zone 'UTC', 'YYYY-MM-DD')`,
  MONTH: sql`to_char(c.charge_period_start at time zone 'UTC', 'YYYY-MM')`,
};

/**
 * Tag compliance: which required tag keys each bill line lacks. A key counts as present when the
 * line has it with a non-empty value, compared case-insensitively — Azure treats tag names without
 * regard to case, so `Project` on one resource and `project` on another are the same tag.
 */
/**
 * Checked by the `tagCompliance` query itself, not only by the totals and groups read under it: a report
 * asked with swapped bounds and no such field would otherwise answer as if the window were fine.
 */
export function checkWindow(window: ComplianceWindow): void {
  if (!(window.from < window.to)) throw badInput('to', 'must be after from');
}

export class TagComplianceService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly maxPageSize: number,
  ) {}

  async requiredKeys(): Promise<string[]> {
    const rows = await this.db.select({ key: requiredTagKeys.key }).from(requiredTagKeys).where(eq(requiredTagKeys.orgId, this.orgId)).orderBy(asc(requiredTagKeys.key));
    return rows.map((r) => r.key);
  }

  /** Replaces the set of required keys (an empty list turns the policy off). */
  async setRequiredKeys(keys: readonly string[]): Promise<string[]> {
    if (keys.length > MAX_REQUIRED_TAG_KEYS) throw badInput('keys', `at most ${MAX_REQUIRED_TAG_KEYS} keys, got ${keys.length}`);
    const seen = new Map<string, number>();
    const clean = keys.map((raw, i) => {
      const key = raw.trim();
      if (key === '' || key.length > 512) throw badInput(`keys.${i}`, 'a tag key is 1 to 512 characters');
      const folded = key.toLowerCase();
      if (seen.has(folded)) throw badInput(`keys.${i}`, `"${key}" repeats keys.${seen.get(folded)} (tag keys compare without case)`);
      seen.set(folded, i);
      return key;
    });
    // Two replacements at once: under READ COMMITTED the second's delete does not see the first's new rows, and
    // its insert then collides with them on the primary key. Taking turns, the last one wins whole.
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${REQUIRED_KEYS_LOCK}, hashtext(${this.orgId}))`);
      await tx.delete(requiredTagKeys).where(eq(requiredTagKeys.orgId, this.orgId));
      if (clean.length > 0) await tx.insert(requiredTagKeys).values(clean.map((key) => ({ orgId: this.orgId, key })));
      // read in the transaction: after it, another caller's set may already have replaced this one
      const rows = await tx.select({ key: requiredTagKeys.key }).from(requiredTagKeys).where(eq(requiredTagKeys.orgId, this.orgId)).orderBy(asc(requiredTagKeys.key));
      return rows.map((r) => r.key);
    });
  }

  async totals(window: ComplianceWindow): Promise<ComplianceTotal[]> {
    const rows = (await this.db.execute(sql`
      ${this.lines(window)}
      select currency, sum(billed_cost)::text as total,
             coalesce(sum(billed_cost) filter (where cardinality(missing) > 0), 0)::text as untagged,
             (coalesce(sum(billed_cost) filter (where cardinality(missing) > 0), 0) / nullif(sum(billed_cost), 0))::float8 as share,
             count(*)::int as rows, (count(*) filter (where cardinality(missing) > 0))::int as untagged_rows
      from lines group by currency order by currency`)) as unknown as Record<string, string | number | null>[];
    return [...rows].map((r) => ({
      currency: String(r.currency).trim(),
      total: String(r.total),
      untagged: String(r.untagged),
      untaggedShare: r.share === null ? null : Number(r.share),
      rows: Number(r.rows),
      untaggedRows: Number(r.untagged_rows),
    }));
  }

  /**
   * Untagged spend grouped by period, resource group, service and the keys missing. Offset cursors,
   * as for `costs`: the groups are an aggregate computed in full for any page.
   */
  async groups(window: ComplianceWindow, granularity: ComplianceGranularity, first: number, after?: string | null): Promise<Page<ComplianceGroup>> {
    checkPageSize(first, this.maxPageSize);
    if (!COMPLIANCE_GRANULARITIES.includes(granularity)) throw badInput('granularity', `one of ${COMPLIANCE_GRANULARITIES.join(', ')}`);
    const offset = decodeOffsetCursor(after, 'tag-compliance');
    const rows = (await this.db.execute(sql`
      ${this.lines(window, PERIOD_SQL[granularity])}
      select period, resource_group, service_name, missing, currency, sum(billed_cost)::text as amount, count(*)::int as rows
      from lines where cardinality(missing) > 0
      group by 1, 2, 3, 4, 5
      order by 1, 2 nulls last, 3 nulls last, 4, 5
      limit ${first + 1} offset ${offset}`)) as unknown as Record<string, unknown>[];
    const groups = [...rows].map((r) => ({
      period: String(r.period),
      resourceGroup: r.resource_group == null ? null : String(r.resource_group),
      service: r.service_name == null ? null : String(r.service_name),
      missingKeys: r.missing as string[],
      currency: String(r.currency).trim(),
      amount: String(r.amount),
      rows: Number(r.rows),
    }));
    return offsetPage(groups, first, offset, 'tag-compliance');
  }

  /** `with lines as (…)`: the window's bill lines with the required keys each one lacks, sorted. */
  private lines(window: ComplianceWindow, period: ReturnType<typeof sql> = sql`null::text`) {
    checkWindow(window);
    return sql`
      with required as (select key from required_tag_keys where org_id = ${this.orgId}),
      lines as (
        select ${period} as period, c.resource_group, c.service_name, c.currency, c.billed_cost,
               array(select r.key from required r
                     where not exists (select 1 from jsonb_each_text(c.tags) t where lower(t.key) = lower(r.key) and btrim(t.value) <> '')
                     order by r.key) as missing
        from cost_records c
        where c.org_id = ${this.orgId}
          and c.charge_period_start >= ${window.from.toISOString()}::timestamptz
          and c.charge_period_start < ${window.to.toISOString()}::timestamptz)`;
  }
}
