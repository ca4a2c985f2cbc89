import { foreignKey, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { orgId, timestamps, uuidPk } from './columns.js';
import { organizations } from './organizations.js';
import { vmPriorityEnum } from './runs.js';

/**
 * A compute pool an organization declares (Azure Batch pool, AWS Batch compute environment…):
 * Nextflow's trace does not say which VM size or pricing tier ran a task, so the pool it ran in does.
 */
export const pools = pgTable(
  'pools',
  {
    orgId: orgId(),
    id: uuidPk(),
    /** As Nextflow reports it: the Batch pool id (queue) or a prefix of the node names. */
    name: text('name').notNull(),
    provider: text('provider').notNull().default('azure'),
    region: text('region').notNull(),
    vmSize: text('vm_size').notNull(),
    priority: vmPriorityEnum('priority').notNull().default('DEDICATED'),
    /** ARM resource id of the pool (or the VM scale set) as it appears on the bill. */
    resourceId: text('resource_id'),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'pools_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'pools_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    uniqueIndex('pools_org_name_key').on(t.orgId, t.name),
  ],
);

export type PoolRow = typeof pools.$inferSelect;
