import { char, jsonb, numeric, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { orgId, timestamps, tstz } from './columns.js';

/**
 * One line of a bill, FOCUS-shaped (column names follow FOCUS), whatever cloud it came from.
 *
 * Partitioned by month of `charge_period_start` (migration 0005; Drizzle cannot declare partitions,
 * so the table here is the parent's shape): queries by period read only their months, and each
 * month's indexes stay small enough to be cached while a load writes them. Every key therefore
 * includes `charge_period_start`. Partitions are created as rows arrive (services/cost-partitions).
 *
 * One index only, because each index is paid on every loaded row (see bench/cost-import): the
 * primary key `(org, period, row hash)`, which makes loads idempotent and serves every `org + period`
 * range scan; allocations name their line by its hash. No foreign key to organizations either: its per-row check cost a quarter of a
 * COPY, and every writer takes the organization from an authenticated context.
 */
export const costRecords = pgTable(
  'cost_records',
  {
    orgId: orgId(),
    provider: text('provider').notNull(),
    billingAccountId: text('billing_account_id'),
    subAccountId: text('sub_account_id'),
    subAccountName: text('sub_account_name'),
    resourceId: text('resource_id'),
    resourceName: text('resource_name'),
    resourceGroup: text('resource_group'),
    resourceType: text('resource_type'),
    serviceName: text('service_name'),
    serviceCategory: text('service_category'),
    skuId: text('sku_id'),
    meter: text('meter'),
    regionId: text('region_id'),
    chargeCategory: text('charge_category'),
    chargePeriodStart: tstz('charge_period_start').notNull(),
    chargePeriodEnd: tstz('charge_period_end').notNull(),
    /** The billing period (invoice month) the line is billed in, when its source says; a replacing import restates by it (services/cost-replace). */
    billingPeriodStart: tstz('billing_period_start'),
    billingPeriodEnd: tstz('billing_period_end'),
    billedCost: numeric('billed_cost').notNull(),
    effectiveCost: numeric('effective_cost'),
    listCost: numeric('list_cost'),
    currency: char('currency', { length: 3 }).notNull(),
    consumedQuantity: numeric('consumed_quantity'),
    consumedUnit: text('consumed_unit'),
    tags: jsonb('tags').$type<Record<string, string>>().notNull().default({}),
    /** `file` or `azure_api`; `sourceId` is the import or the connection. */
    source: text('source').notNull(),
    sourceId: uuid('source_id'),
    ingestBatch: uuid('ingest_batch'),
    /** Content hash (+ occurrence within its file), 128 bits as a uuid: re-ingesting the same line changes nothing. */
    rowHash: uuid('row_hash').notNull(),
    ...timestamps,
  },
  (t) => [
    // A line is known by its hash: one index to maintain per loaded row. A separate serial id cost a second
    // index, a quarter of the COPY's Postgres time (bench/cost-import). The period is in the key because a
    // partitioned table's unique keys must hold its partition key (the hash already covers it); it comes
    // before the hash so that a load, whose rows run through a bill's days roughly in order, inserts into a
    // few hot pages of the index rather than all over it.
    primaryKey({ name: 'cost_records_pkey', columns: [t.orgId, t.chargePeriodStart, t.rowHash] }),
  ],
);

export type CostRecordRow = typeof costRecords.$inferSelect;
