import { char, date, doublePrecision, foreignKey, index, integer, jsonb, numeric, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { alertSeverityEnum } from './alerts.js';
import { orgId, timestamps, tstz, uuidPk } from './columns.js';
import { organizations } from './organizations.js';

export const costDimensionEnum = pgEnum('cost_dimension', ['ORGANIZATION', 'PROJECT', 'PIPELINE', 'SERVICE', 'RESOURCE_GROUP', 'TAG']);
export const anomalyFeedbackEnum = pgEnum('anomaly_feedback', ['EXPECTED', 'NOT_ANOMALY']);

/** A dimension value whose share of one day's cost moved the anomaly (root cause). Amounts are decimal strings. */
export interface AnomalyContributor {
  dimension: CostDimension;
  key: string;
  value: string;
  actual: string;
  expected: string;
  impact: string;
}

/**
 * One day's cost of one dimension value that stood out from its own recent history. Found again by
 * a re-run, it is updated in place (unique key), so feedback on it survives.
 */
export const anomalies = pgTable(
  'anomalies',
  {
    orgId: orgId(),
    id: uuidPk(),
    day: date('day', { mode: 'string' }).notNull(),
    dimension: costDimensionEnum('dimension').notNull(),
    /** The tag key for TAG; '' otherwise. */
    dimensionKey: text('dimension_key').notNull().default(''),
    /** '' for ORGANIZATION, and for bill lines without that dimension. */
    dimensionValue: text('dimension_value').notNull(),
    currency: char('currency', { length: 3 }).notNull(),
    actual: numeric('actual').notNull(),
    /** The median of the history window. */
    expected: numeric('expected').notNull(),
    /** actual − expected. */
    impact: numeric('impact').notNull(),
    /** Robust z-score: (actual − median) / (1.4826 × MAD), with a floor on the scale (services/anomalies.ts). */
    score: doublePrecision('score').notNull(),
    severity: alertSeverityEnum('severity').notNull(),
    historyDays: integer('history_days').notNull(),
    contributors: jsonb('contributors').$type<AnomalyContributor[]>().notNull().default([]),
    feedback: anomalyFeedbackEnum('feedback'),
    feedbackNote: text('feedback_note'),
    feedbackBy: uuid('feedback_by'),
    feedbackAt: tstz('feedback_at'),
    alertId: uuid('alert_id'),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'anomalies_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'anomalies_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    uniqueIndex('anomalies_org_day_dimension_key').on(t.orgId, t.day, t.dimension, t.dimensionKey, t.dimensionValue, t.currency),
    index('anomalies_org_day_idx').on(t.orgId, t.day, t.id),
  ],
);

export type AnomalyRow = typeof anomalies.$inferSelect;
export type CostDimension = (typeof costDimensionEnum.enumValues)[number];
export type AnomalyFeedback = (typeof anomalyFeedbackEnum.enumValues)[number];
