import { foreignKey, index, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { orgId, timestamps, tstz, uuidPk } from './columns.js';
import { organizations } from './organizations.js';

export const alertKindEnum = pgEnum('alert_kind', ['BUDGET_ACTUAL', 'BUDGET_FORECAST', 'ANOMALY', 'ESTIMATE_DRIFT']);
export const alertSeverityEnum = pgEnum('alert_severity', ['INFO', 'WARNING', 'CRITICAL']);
export const alertStateEnum = pgEnum('alert_state', ['OPEN', 'ACKNOWLEDGED', 'RESOLVED']);

/**
 * Something a listener must hear about once. `dedupe_key` names the occurrence (the same budget
 * threshold in the same period, the same estimate's drift): raising it again is a no-op, so
 * evaluation jobs may run twice or concurrently.
 */
export const alerts = pgTable(
  'alerts',
  {
    orgId: orgId(),
    id: uuidPk(),
    kind: alertKindEnum('kind').notNull(),
    severity: alertSeverityEnum('severity').notNull(),
    state: alertStateEnum('state').notNull().default('OPEN'),
    dedupeKey: text('dedupe_key').notNull(),
    /**
     * Names what flaps (an anomaly's dimension value, a pipeline's drift) across occurrences: while an
     * alert with the same key was raised within the cooldown, a new occurrence raises nothing.
     */
    cooldownKey: text('cooldown_key'),
    /** Why it was resolved, from the person who resolved it. */
    resolution: text('resolution'),
    title: text('title').notNull(),
    message: text('message').notNull(),
    /** What the alert is about, e.g. `{ "budgetId": … }` or `{ "runId": …, "pipeline": … }`. */
    subject: jsonb('subject').$type<Record<string, unknown>>().notNull().default({}),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    raisedAt: tstz('raised_at').notNull().defaultNow(),
    acknowledgedAt: tstz('acknowledged_at'),
    acknowledgedBy: uuid('acknowledged_by'),
    resolvedAt: tstz('resolved_at'),
    resolvedBy: uuid('resolved_by'),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'alerts_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'alerts_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    uniqueIndex('alerts_org_dedupe_key').on(t.orgId, t.dedupeKey),
    // `alerts(since:)` for listeners that reconnect
    index('alerts_org_raised_idx').on(t.orgId, t.raisedAt, t.id),
    index('alerts_org_cooldown_idx').on(t.orgId, t.cooldownKey, t.raisedAt).where(sql`${t.cooldownKey} is not null`),
  ],
);

export type AlertRow = typeof alerts.$inferSelect;
export type AlertKind = (typeof alertKindEnum.enumValues)[number];
export type AlertSeverity = (typeof alertSeverityEnum.enumValues)[number];
export type AlertState = (typeof alertStateEnum.enumValues)[number];
