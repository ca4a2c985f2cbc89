import { sql } from 'drizzle-orm';
import { bigint, char, foreignKey, index, jsonb, numeric, pgEnum, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { orgId, tstz, uuidPk } from './columns.js';
import { runs } from './runs.js';

export const estimateKindEnum = pgEnum('estimate_kind', ['QUOTE', 'LIVE', 'TASK']);

/** Estimates are history: a new figure is a new row, never an update. */
export const estimates = pgTable(
  'estimates',
  {
    orgId: orgId(),
    id: uuidPk(),
    runId: uuid('run_id'),
    taskId: bigint('task_id', { mode: 'number' }),
    kind: estimateKindEnum('kind').notNull(),
    modelName: text('model_name').notNull(),
    modelVersion: text('model_version').notNull(),
    value: numeric('value').notNull(),
    low: numeric('low'),
    high: numeric('high'),
    currency: char('currency', { length: 3 }).notNull(),
    features: jsonb('features').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'estimates_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'estimates_run_fk', columns: [t.orgId, t.runId], foreignColumns: [runs.orgId, runs.id] }).onDelete('cascade'),
    index('estimates_org_run_created_idx').on(t.orgId, t.runId, t.createdAt),
    // a run's superseding TASK rows, which the sums over each task's latest row leave their predecessors
    // out by (live-estimates.ts, latestTaskRow): a few hundred, read without the run's every estimate
    index('estimates_org_run_supersedes_idx').on(t.orgId, t.runId).where(sql`${t.kind} = 'TASK' and ${t.features} ->> 'supersedes' is not null`),
  ],
);

export type EstimateRow = typeof estimates.$inferSelect;
