import { foreignKey, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { orgId, timestamps, uuidPk } from './columns.js';
import { organizations } from './organizations.js';

/** What a rule matches on; every given field must match. Patterns are globs (`*`, `?`), without case. */
export interface AllocationMatch {
  tags?: Record<string, string>;
  resourceId?: string;
  resourceGroup?: string;
  service?: string;
  sku?: string;
  /** The line's `project` tag. */
  project?: string;
}

/**
 * Assigns bill lines no task explains (shared storage, networking, untagged resources) to a cost
 * centre. Rules apply in `priority` order, first match wins; what matches none is `Unallocated`.
 * Rules are applied when costs are read, so saving, changing or removing one takes effect at once
 * and a dry run is the same computation with the candidate rule inserted.
 */
export const allocationRules = pgTable(
  'allocation_rules',
  {
    orgId: orgId(),
    id: uuidPk(),
    name: text('name').notNull(),
    /** 1 applies first. */
    priority: integer('priority').notNull(),
    costCentre: text('cost_centre').notNull(),
    match: jsonb('match').$type<AllocationMatch>().notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'allocation_rules_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'allocation_rules_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    uniqueIndex('allocation_rules_org_priority_key').on(t.orgId, t.priority),
  ],
);

export type AllocationRuleRow = typeof allocationRules.$inferSelect;
