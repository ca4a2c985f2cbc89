import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { organizations, principals, type PrincipalRow } from '../db/schema/index.js';
import { generateApiKey, hashApiKey } from '../auth/api-keys.js';
import type { JwtClaims } from '../auth/jwt.js';
import type { Role, Viewer } from '../auth/roles.js';
import { AppError, badInput, notFound } from '../errors.js';
import { isUuid } from './ids.js';

const toViewer = (p: PrincipalRow): Viewer => ({ orgId: p.orgId, principalId: p.id, role: p.role, kind: p.kind, name: p.name });

/**
 * Looks an API key up by its hash; revoked keys authenticate no one. `last_used_at` is refreshed at most
 * once a minute, in the same statement, so reads do not each become a write.
 */
export async function authenticateApiKey(db: Db, key: string): Promise<Viewer | undefined> {
  const rows = await db.execute<{ org_id: string; id: string; role: Role; kind: 'USER' | 'API_KEY'; name: string }>(sql`
    with hit as (
      select org_id, id, role, kind, name, last_used_at from principals where key_hash = ${hashApiKey(key)} and revoked_at is null
    ), touch as (
      update principals p set last_used_at = now() from hit
      where p.org_id = hit.org_id and p.id = hit.id and (hit.last_used_at is null or hit.last_used_at < now() - interval '1 minute')
    )
    select org_id, id, role, kind, name from hit`);
  const row = rows[0];
  return row ? { orgId: row.org_id, principalId: row.id, role: row.role, kind: row.kind, name: row.name } : undefined;
}

/** A verified JWT's user: created on first sight, role refreshed from the token each time. */
export async function authenticateJwtUser(db: Db, claims: JwtClaims): Promise<Viewer> {
  // an id that is no uuid would reach Postgres as one and fail there, answering a signed-in caller 500
  if (!isUuid(claims.orgId)) throw new AppError('UNAUTHENTICATED', 'invalid token: unknown organization');
  const [org] = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, claims.orgId));
  if (!org) throw new AppError('UNAUTHENTICATED', 'invalid token: unknown organization');
  const [row] = await db
    .insert(principals)
    .values({ orgId: claims.orgId, kind: 'USER', subject: claims.subject, name: claims.name, role: claims.role, lastUsedAt: new Date() })
    .onConflictDoUpdate({
      target: [principals.orgId, principals.subject],
      set: { role: claims.role, name: claims.name, lastUsedAt: sql`now()` },
    })
    .returning();
  return { ...toViewer(row), expiresAt: claims.expiresAt };
}

export class PrincipalService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
  ) {}

  async get(id: string): Promise<PrincipalRow | undefined> {
    const [row] = await this.db.select().from(principals).where(and(eq(principals.orgId, this.orgId), eq(principals.id, id)));
    return row;
  }

  /** The key is in the return value only: it cannot be read again. */
  async createApiKey(input: { name: string; role: Role }): Promise<{ principal: PrincipalRow; key: string }> {
    if (input.name.trim() === '') throw badInput('name', 'must not be empty');
    const { key, prefix, hash } = generateApiKey();
    const [principal] = await this.db
      .insert(principals)
      .values({ orgId: this.orgId, kind: 'API_KEY', name: input.name.trim(), role: input.role, keyPrefix: prefix, keyHash: hash })
      .returning();
    return { principal, key };
  }

  /** The organization's API keys, newest first, revoked ones included (with when). */
  async listApiKeys(): Promise<PrincipalRow[]> {
    return this.db
      .select()
      .from(principals)
      .where(and(eq(principals.orgId, this.orgId), eq(principals.kind, 'API_KEY')))
      .orderBy(sql`${principals.createdAt} desc, ${principals.id}`);
  }

  /**
   * Revokes a key of this organization: from the next request on it authenticates no one. Revoking a
   * revoked key changes nothing. `by` is the caller: a key cannot revoke itself, so an organization
   * rotating its only admin key creates the new one first and revokes the old one with it.
   */
  async revokeApiKey(id: string, by: { principalId: string }): Promise<PrincipalRow> {
    if (!isUuid(id)) throw notFound('API key', id);
    if (id === by.principalId) throw badInput('id', 'is the key this request is signed with: revoke it with another admin key');
    const [revoked] = await this.db
      .update(principals)
      .set({ revokedAt: sql`coalesce(${principals.revokedAt}, now())` })
      .where(and(eq(principals.orgId, this.orgId), eq(principals.id, id), eq(principals.kind, 'API_KEY')))
      .returning();
    if (!revoked) throw notFound('API key', id);
    return revoked;
  }
}
