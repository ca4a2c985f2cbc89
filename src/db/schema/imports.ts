import { bigint, boolean, foreignKey, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { orgId, tstz, uuidPk } from './columns.js';
import { organizations } from './organizations.js';

export const importKindEnum = pgEnum('import_kind', ['TRACE', 'COSTS']);
export const importStatusEnum = pgEnum('import_status', ['RUNNING', 'SUCCEEDED', 'FAILED']);

/** One file import (trace or bill), with its report. */
export const imports = pgTable(
  'imports',
  {
    orgId: orgId(),
    id: uuidPk(),
    kind: importKindEnum('kind').notNull(),
    status: importStatusEnum('status').notNull().default('RUNNING'),
    fileName: text('file_name'),
    /** e.g. `trace/tsv`, `azure/ea`, `focus-1.0`. */
    format: text('format'),
    runId: uuid('run_id'),
    principalId: uuid('principal_id'),
    rowsRead: integer('rows_read').notNull().default(0),
    rowsLoaded: integer('rows_loaded').notNull().default(0),
    rowsCreated: integer('rows_created').notNull().default(0),
    rowsUpdated: integer('rows_updated').notNull().default(0),
    rowsUnchanged: integer('rows_unchanged').notNull().default(0),
    rowsRejected: integer('rows_rejected').notNull().default(0),
    /** Format-specific details: unknown columns, totals per currency… */
    report: jsonb('report').$type<Record<string, unknown>>().notNull().default({}),
    /** A cost file that replaces earlier imports' lines of its sub accounts and days (services/cost-replace). */
    replace: boolean('replace').notNull().default(false),
    /** The export run a replacing file is part of: files of one delivery add up instead of replacing each other. */
    delivery: text('delivery'),
    error: text('error'),
    startedAt: tstz('started_at').notNull().defaultNow(),
    finishedAt: tstz('finished_at'),
  },
  (t) => [
    primaryKey({ name: 'imports_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'imports_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    index('imports_org_kind_started_idx').on(t.orgId, t.kind, t.startedAt),
  ],
);

/**
 * The time a replacing cost file restated, [start, end), for each bill scope it billed (services/bill-scope).
 * A synced line whose whole day the files' ranges of its scope hold is left to the files and removed
 * (services/file-coverage): an export and a sync of one subscription do not both count those days.
 */
export const costFileCoverage = pgTable(
  'cost_file_coverage',
  {
    orgId: orgId(),
    scope: text('scope').notNull(),
    periodStart: tstz('period_start').notNull(),
    periodEnd: tstz('period_end').notNull(),
    importId: uuid('import_id').notNull(),
  },
  (t) => [
    primaryKey({ name: 'cost_file_coverage_pkey', columns: [t.orgId, t.scope, t.periodStart, t.importId] }),
    foreignKey({ name: 'cost_file_coverage_import_fk', columns: [t.orgId, t.importId], foreignColumns: [imports.orgId, imports.id] }).onDelete('cascade'),
  ],
);

/** Rows an import could not use: kept with the line number, the raw text and the reason, never dropped. */
export const importRejects = pgTable(
  'import_rejects',
  {
    orgId: orgId(),
    id: bigint('id', { mode: 'number' }).generatedAlwaysAsIdentity(),
    importId: uuid('import_id').notNull(),
    line: integer('line').notNull(),
    raw: text('raw').notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [
    primaryKey({ name: 'import_rejects_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'import_rejects_import_fk', columns: [t.orgId, t.importId], foreignColumns: [imports.orgId, imports.id] }).onDelete('cascade'),
    index('import_rejects_org_import_line_idx').on(t.orgId, t.importId, t.line),
  ],
);

export type ImportRow = typeof imports.$inferSelect;
export type ImportRejectRow = typeof importRejects.$inferSelect;
