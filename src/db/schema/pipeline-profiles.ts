import { doublePrecision, foreignKey, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { orgId, tstz } from './columns.js';
import { organizations } from './organizations.js';

/**
 * What a typical finished run of a pipeline does, per process: how many tasks per sample and what a
 * task asks for. Written by retraining (with the model versions it goes with), read by every quote,
 * so a quote reads a few rows instead of aggregating the pipeline's whole task history.
 */
export const pipelineProfiles = pgTable(
  'pipeline_profiles',
  {
    orgId: orgId(),
    pipeline: text('pipeline').notNull(),
    process: text('process').notNull(),
    /** Median over finished runs of the process's tasks per sample. */
    tasksPerSample: doublePrecision('tasks_per_sample').notNull(),
    /** Medians of what its tasks requested, and their usual VM size (null: unknown). */
    cpus: doublePrecision('cpus'),
    memoryBytes: doublePrecision('memory_bytes'),
    position: doublePrecision('position'),
    vmSize: text('vm_size'),
    runs: integer('runs').notNull(),
    tasks: integer('tasks').notNull(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'pipeline_profiles_pkey', columns: [t.orgId, t.pipeline, t.process] }),
    foreignKey({ name: 'pipeline_profiles_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
  ],
);

export type PipelineProfileRow = typeof pipelineProfiles.$inferSelect;
