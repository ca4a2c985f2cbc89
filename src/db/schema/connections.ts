import { foreignKey, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { orgId, timestamps, tstz, uuidPk } from './columns.js';
import { organizations } from './organizations.js';

export const connectionAuthEnum = pgEnum('connection_auth', ['CLIENT_SECRET', 'MANAGED_IDENTITY']);
export const syncStatusEnum = pgEnum('sync_status', ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED']);

/** An Azure Cost Management connection. The client secret is stored AES-256-GCM encrypted, never returned. */
export const costConnections = pgTable(
  'cost_connections',
  {
    orgId: orgId(),
    id: uuidPk(),
    name: text('name').notNull(),
    provider: text('provider').notNull().default('azure'),
    /** `/subscriptions/…`, `/subscriptions/…/resourceGroups/…`, or `/providers/Microsoft.Billing/billingAccounts/…`. */
    scope: text('scope').notNull(),
    auth: connectionAuthEnum('auth').notNull(),
    tenantId: text('tenant_id'),
    clientId: text('client_id'),
    /** base64(iv | tag | ciphertext); null for managed identity. */
    secretEncrypted: text('secret_encrypted'),
    /** Days re-pulled by each sync: Azure revises costs for ~72 h. */
    windowDays: integer('window_days').notNull().default(5),
    /** Second grouping besides ResourceId, e.g. `{"type":"Dimension","name":"ServiceName"}`. */
    groupBy: jsonb('group_by').$type<{ type: 'Dimension' | 'TagKey'; name: string } | null>(),
    costType: text('cost_type').$type<'ActualCost' | 'AmortizedCost'>().notNull().default('ActualCost'),
    lastStatus: syncStatusEnum('last_status'),
    lastSyncAt: tstz('last_sync_at'),
    lastError: text('last_error'),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'cost_connections_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'cost_connections_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
  ],
);

/** Every sync of a connection: window, outcome, numbers. */
export const costSyncs = pgTable(
  'cost_syncs',
  {
    orgId: orgId(),
    id: uuidPk(),
    connectionId: uuid('connection_id').notNull(),
    jobId: text('job_id'),
    windowStart: tstz('window_start').notNull(),
    windowEnd: tstz('window_end').notNull(),
    status: syncStatusEnum('status').notNull().default('QUEUED'),
    rows: integer('rows').notNull().default(0),
    /** `{ "USD": "123.45" }`, summed in SQL. */
    totals: jsonb('totals').$type<Record<string, string>>().notNull().default({}),
    /** Fetched rows removed again because replacing file imports cover their days (services/bill-scope), and their billed cost. */
    rowsSuperseded: integer('rows_superseded').notNull().default(0),
    totalsSuperseded: jsonb('totals_superseded').$type<Record<string, string>>().notNull().default({}),
    requests: integer('requests').notNull().default(0),
    durationMs: integer('duration_ms'),
    error: text('error'),
    startedAt: tstz('started_at'),
    finishedAt: tstz('finished_at'),
    createdAt: tstz('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'cost_syncs_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'cost_syncs_connection_fk', columns: [t.orgId, t.connectionId], foreignColumns: [costConnections.orgId, costConnections.id] }).onDelete('cascade'),
    index('cost_syncs_org_connection_created_idx').on(t.orgId, t.connectionId, t.createdAt),
  ],
);

export type CostConnectionRow = typeof costConnections.$inferSelect;
export type CostSyncRow = typeof costSyncs.$inferSelect;
