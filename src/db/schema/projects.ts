import { foreignKey, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { orgId, timestamps, uuidPk } from './columns.js';
import { organizations } from './organizations.js';

/** A LIMS project / cost centre; `code` is the LIMS's own key. */
export const projects = pgTable(
  'projects',
  {
    orgId: orgId(),
    id: uuidPk(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    costCentre: text('cost_centre'),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'projects_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'projects_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    uniqueIndex('projects_org_code_key').on(t.orgId, t.code),
  ],
);

/** A workflow at a revision, e.g. `nf-core/rnaseq@3.14.0`. */
export const pipelines = pgTable(
  'pipelines',
  {
    orgId: orgId(),
    id: uuidPk(),
    name: text('name').notNull(),
    /** '' when unknown, so the unique key needs no NULL handling. */
    revision: text('revision').notNull().default(''),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'pipelines_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'pipelines_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    uniqueIndex('pipelines_org_name_revision_key').on(t.orgId, t.name, t.revision),
  ],
);

export type ProjectRow = typeof projects.$inferSelect;
export type PipelineRow = typeof pipelines.$inferSelect;
