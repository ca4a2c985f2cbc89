import { bigint, char, foreignKey, index, jsonb, numeric, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { orgId, timestamps, tstz } from './columns.js';
import { organizations } from './organizations.js';

/** One line of a bill, FOCUS-shaped (column names follow FOCUS), whatever cloud it came from. */
export const costRecords = pgTable(
  'cost_records',
  {
    orgId: orgId(),
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
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
    /** Content hash (+ occurrence within its file): re-ingesting the same line changes nothing. */
    rowHash: text('row_hash').notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'cost_records_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'cost_records_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    uniqueIndex('cost_records_org_row_hash_key').on(t.orgId, t.rowHash),
    index('cost_records_org_period_idx').on(t.orgId, t.chargePeriodStart),
    index('cost_records_org_resource_idx').on(t.orgId, t.resourceId, t.chargePeriodStart),
    index('cost_records_org_source_idx').on(t.orgId, t.source, t.sourceId, t.chargePeriodStart),
  ],
);

export type CostRecordRow = typeof costRecords.$inferSelect;
