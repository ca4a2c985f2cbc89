import { foreignKey, index, pgEnum, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { orgId, timestamps, tstz, uuidPk } from './columns.js';
import { organizations } from './organizations.js';

export const roleEnum = pgEnum('role', ['VIEWER', 'ANALYST', 'ADMIN']);
export const principalKindEnum = pgEnum('principal_kind', ['USER', 'API_KEY']);

/**
 * Who calls: a user known from a JWT (`subject` = the token's `sub`) or an API key.
 * API keys are stored as a SHA-256 hash; the first characters (`key_prefix`) stay visible so a
 * person can tell keys apart without the secret.
 */
export const principals = pgTable(
  'principals',
  {
    orgId: orgId(),
    id: uuidPk(),
    kind: principalKindEnum('kind').notNull(),
    name: text('name').notNull(),
    role: roleEnum('role').notNull(),
    subject: text('subject'),
    keyPrefix: text('key_prefix'),
    keyHash: text('key_hash'),
    lastUsedAt: tstz('last_used_at'),
    revokedAt: tstz('revoked_at'),
    ...timestamps,
  },
  (t) => [
    primaryKey({ name: 'principals_pkey', columns: [t.orgId, t.id] }),
    foreignKey({ name: 'principals_org_fk', columns: [t.orgId], foreignColumns: [organizations.id] }).onDelete('cascade'),
    // the hash is looked up before the org is known, so it is unique across organizations
    uniqueIndex('principals_key_hash_key').on(t.keyHash),
    uniqueIndex('principals_org_subject_key').on(t.orgId, t.subject),
    index('principals_org_kind_idx').on(t.orgId, t.kind),
  ],
);

export type PrincipalRow = typeof principals.$inferSelect;
export type Role = (typeof roleEnum.enumValues)[number];
