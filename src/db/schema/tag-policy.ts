import { foreignKey, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { orgId, timestamps } from './columns.js';
import { organizations } from './organizations.js';

/** Tag keys every billed resource of an organization should carry (`project`, `pipeline`, `cost_centre`…). */
export const requiredTagKeys = pgTable(
  'required_tag_keys',
  {
    orgId: orgId(),
    key: text('key').notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'required_tag_keys_pkey', columns: [t.orgId, t.key] }),
    foreignKey({ name: 'required_tag_keys_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
  ],
);
