import { char, foreignKey, index, jsonb, numeric, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { orgId, timestamps, tstz, uuidPk } from './columns.js';
import { organizations } from './organizations.js';

export const recommendationKindEnum = pgEnum('recommendation_kind', ['RIGHTSIZE_MEMORY', 'RIGHTSIZE_CPU', 'LOW_PRIORITY', 'FAILED_WORK', 'IDLE_POOL']);
export const recommendationStatusEnum = pgEnum('recommendation_status', ['OPEN', 'ACCEPTED', 'DISMISSED']);

/**
 * A saving the refresh job found. Keyed by what it is about (`kind`, `subject`), so a refresh updates
 * the figures of an existing recommendation and keeps the status a person gave it.
 */
export const recommendations = pgTable(
  'recommendations',
  {
    orgId: orgId(),
    id: uuidPk(),
    kind: recommendationKindEnum('kind').notNull(),
    /** Stable identity of the subject, e.g. `<pipeline id>/<process>`. */
    subject: text('subject').notNull(),
    pipelineId: uuid('pipeline_id'),
    process: text('process'),
    title: text('title').notNull(),
    /** Evidence and the proposed setting: current and recommended values, percentiles, task counts, the config line. */
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    /** Saving per 30 days at current prices; null when the tasks could not be priced. */
    monthlySaving: numeric('monthly_saving'),
    currency: char('currency', { length: 3 }),
    status: recommendationStatusEnum('status').notNull().default('OPEN'),
    statusChangedAt: tstz('status_changed_at'),
    statusChangedBy: uuid('status_changed_by'),
    refreshedAt: tstz('refreshed_at').notNull().defaultNow(),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'recommendations_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'recommendations_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    uniqueIndex('recommendations_org_kind_subject_key').on(t.orgId, t.kind, t.subject),
    index('recommendations_org_status_idx').on(t.orgId, t.status),
  ],
);

export type RecommendationRow = typeof recommendations.$inferSelect;
export type RecommendationKind = (typeof recommendationKindEnum.enumValues)[number];
export type RecommendationStatus = (typeof recommendationStatusEnum.enumValues)[number];
