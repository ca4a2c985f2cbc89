import { boolean, char, date, foreignKey, index, integer, jsonb, numeric, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { orgId, tstz } from './columns.js';
import { organizations } from './organizations.js';

/**
 * The explorer's daily rollup: the bill as the explorer reads it (reconciled lines as their
 * allocations, the others whole; see services/cost-explorer), summed per UTC day over every
 * dimension the explorer can group or filter on. A month of a busy organization is a few
 * thousand rows here against millions of bill lines and allocations.
 *
 * No resource id or SKU: with them a day would hold a row per resource, as many as the bill has
 * lines. Allocation rules match on both, so each unexplained piece's cost centre is evaluated when
 * the day is built, under the rules of that moment (`cost_daily_days.rules_hash`).
 */
export const costDaily = pgTable(
  'cost_daily',
  {
    orgId: orgId(),
    day: date('day', { mode: 'string' }).notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    /** projects.code */
    project: text('project'),
    /** pipelines.name */
    pipeline: text('pipeline'),
    runId: uuid('run_id'),
    sample: text('sample'),
    process: text('process'),
    /** False for a piece no task explains (UNALLOCATED, or a whole unreconciled line of no pool). */
    explained: boolean('explained').notNull(),
    provider: text('provider'),
    serviceName: text('service_name'),
    resourceGroup: text('resource_group'),
    regionId: text('region_id'),
    tags: jsonb('tags').$type<Record<string, string>>().notNull(),
    /** The allocation rules' cost centre of an unexplained piece (`Unallocated` when none matches); null when explained. */
    costCentre: text('cost_centre'),
    amount: numeric('amount').notNull(),
    /** Pieces summed into the row. */
    pieces: integer('pieces').notNull(),
  },
  (t) => [
    foreignKey({ name: 'cost_daily_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    index('cost_daily_org_day_idx').on(t.orgId, t.day),
  ],
);

/**
 * The days whose `cost_daily` rows are current. Whatever changes a day's bill lines or their
 * allocations deletes the day here (services/cost-rollup `invalidateCostDays`), in its own
 * transaction; rebuilding puts it back. The explorer reads the rollup for listed days and the
 * detail for the rest, so a stale rollup is never read.
 */
export const costDailyDays = pgTable(
  'cost_daily_days',
  {
    orgId: orgId(),
    day: date('day', { mode: 'string' }).notNull(),
    builtAt: tstz('built_at').notNull().defaultNow(),
    /**
     * The allocation rules the day's cost centres were evaluated under (services/allocation-rules
     * `rulesFingerprint`). After a rule change the explorer reads cost centres from the detail for
     * days built under other rules, until they are rebuilt.
     */
    rulesHash: text('rules_hash'),
  },
  (t) => [
    primaryKey({ name: 'cost_daily_days_pkey', columns: [t.orgId, t.day] }),
    foreignKey({ name: 'cost_daily_days_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
  ],
);

export type CostDailyRow = typeof costDaily.$inferSelect;
