import { sql } from 'drizzle-orm';
import { boolean, foreignKey, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { alertKindEnum, alertSeverityEnum, alerts, type AlertKind } from './alerts.js';
import { orgId, timestamps, tstz, uuidPk } from './columns.js';
import { organizations } from './organizations.js';

export const webhookFormatEnum = pgEnum('webhook_format', ['JSON', 'SLACK']);
export const webhookDeliveryStatusEnum = pgEnum('webhook_delivery_status', ['PENDING', 'SUCCEEDED', 'RETRYING', 'FAILED']);

/** Where alerts go besides subscriptions: an HTTPS endpoint that gets each alert as a signed POST. */
export const webhookChannels = pgTable(
  'webhook_channels',
  {
    orgId: orgId(),
    id: uuidPk(),
    name: text('name').notNull(),
    url: text('url').notNull(),
    format: webhookFormatEnum('format').notNull().default('JSON'),
    /** The HMAC-SHA256 signing secret, encrypted with GCT_SECRET_KEY (never stored in plain text). */
    secretEncrypted: text('secret_encrypted').notNull(),
    /** Empty: every kind. */
    kinds: alertKindEnum('kinds').array().$type<AlertKind[]>().notNull().default(sql`'{}'::alert_kind[]`),
    minSeverity: alertSeverityEnum('min_severity').notNull().default('INFO'),
    enabled: boolean('enabled').notNull().default(true),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'webhook_channels_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'webhook_channels_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    uniqueIndex('webhook_channels_org_name_key').on(t.orgId, t.name),
  ],
);

/** One alert to one channel: every attempt updates it, so the API shows where each delivery stands. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    orgId: orgId(),
    id: uuidPk(),
    channelId: uuid('channel_id').notNull(),
    alertId: uuid('alert_id').notNull(),
    status: webhookDeliveryStatusEnum('status').notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastAttemptAt: tstz('last_attempt_at'),
    deliveredAt: tstz('delivered_at'),
    /** Each attempt: at, status code or error, duration. */
    log: jsonb('log').$type<{ at: string; statusCode: number | null; error: string | null; durationMs: number }[]>().notNull().default([]),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'webhook_deliveries_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'webhook_deliveries_channel_fk', columns: [t.orgId, t.channelId], foreignColumns: [webhookChannels.orgId, webhookChannels.id] }).onDelete('cascade'),
    foreignKey({ name: 'webhook_deliveries_alert_fk', columns: [t.orgId, t.alertId], foreignColumns: [alerts.orgId, alerts.id] }).onDelete('cascade'),
    // one delivery per alert and channel, however often dispatch runs
    uniqueIndex('webhook_deliveries_org_channel_alert_key').on(t.orgId, t.channelId, t.alertId),
    index('webhook_deliveries_org_channel_created_idx').on(t.orgId, t.channelId, t.createdAt, t.id),
  ],
);

export type WebhookChannelRow = typeof webhookChannels.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookFormat = (typeof webhookFormatEnum.enumValues)[number];
