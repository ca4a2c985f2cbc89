import { date, foreignKey, index, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { orgId, timestamps, uuidPk } from './columns.js';
import { organizations } from './organizations.js';
import { projects } from './projects.js';

/** A project's monthly cost report, rendered once and kept: what was sent is what can be downloaded later. */
export const costReports = pgTable(
  'cost_reports',
  {
    orgId: orgId(),
    id: uuidPk(),
    projectId: uuid('project_id').notNull(),
    /** First day of the month reported. */
    month: date('month', { mode: 'string' }).notNull(),
    csv: text('csv').notNull(),
    html: text('html').notNull(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'cost_reports_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'cost_reports_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    foreignKey({ name: 'cost_reports_project_fk', columns: [t.orgId, t.projectId], foreignColumns: [projects.orgId, projects.id] }).onDelete('cascade'),
    uniqueIndex('cost_reports_org_project_month_key').on(t.orgId, t.projectId, t.month),
    index('cost_reports_org_month_idx').on(t.orgId, t.month),
  ],
);

export type CostReportRow = typeof costReports.$inferSelect;
