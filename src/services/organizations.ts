import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { organizations, principals, type OrganizationRow } from '../db/schema/index.js';
import { generateApiKey, hashApiKey, keyPrefix } from '../auth/api-keys.js';
import { badInput, conflict, notFound } from '../errors.js';
import { parseCurrency } from '../ingest/costs/currency.js';

export interface CreatedOrganization {
  organization: OrganizationRow;
  /** Shown once; only its hash is stored. */
  adminKey: string;
}

export interface NewOrganization {
  name: string;
  slug: string;
  currency?: string;
  isDemo?: boolean;
  /** Use this admin key instead of a random one (GCT_BOOTSTRAP_ADMIN_KEY, automation). */
  adminKey?: string;
}

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

async function insertOrganization(tx: Tx, input: NewOrganization): Promise<CreatedOrganization> {
  if (!SLUG.test(input.slug)) throw badInput('slug', 'use 2-63 lower-case letters, digits and dashes');
  const currency = input.currency === undefined ? 'USD' : parseCurrency(input.currency);
  if (currency === null) throw badInput('currency', `must be an ISO 4217 code such as USD, got ${JSON.stringify(input.currency)}`);
  const key = input.adminKey ?? generateApiKey().key;
  const [organization] = await tx
    .insert(organizations)
    .values({ name: input.name, slug: input.slug, currency, isDemo: input.isDemo ? 'true' : 'false' })
    .onConflictDoNothing({ target: organizations.slug })
    .returning();
  if (!organization) throw conflict(`an organization with slug ${JSON.stringify(input.slug)} already exists`, { field: 'slug' });
  await tx.insert(principals).values({
    orgId: organization.id,
    kind: 'API_KEY',
    name: 'bootstrap admin',
    role: 'ADMIN',
    keyPrefix: keyPrefix(key),
    keyHash: hashApiKey(key),
  });
  return { organization, adminKey: key };
}

/** Creates an organization with a first ADMIN API key. */
export function createOrganization(db: Db, input: NewOrganization): Promise<CreatedOrganization> {
  return db.transaction((tx) => insertOrganization(tx, input));
}

// Two processes starting on an empty database must not both create the demo organization.
const BOOTSTRAP_LOCK = 7_240_002;

/** On an empty database, creates the demo organization and returns its admin key; otherwise undefined. */
export function bootstrapIfEmpty(db: Db, adminKey?: string): Promise<CreatedOrganization | undefined> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`);
    const [{ count }] = await tx.select({ count: sql<number>`count(*)::int` }).from(organizations);
    if (count > 0) return undefined;
    return insertOrganization(tx, { name: 'Demo Lab', slug: 'demo', isDemo: true, adminKey });
  });
}

export async function getOrganization(db: Db, orgId: string): Promise<OrganizationRow> {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, orgId));
  if (!row) throw notFound('Organization', orgId);
  return row;
}

export async function findOrganizationBySlug(db: Db, slug: string): Promise<OrganizationRow | undefined> {
  const [row] = await db.select().from(organizations).where(eq(organizations.slug, slug));
  return row;
}
