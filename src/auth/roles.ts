import type { Role } from '../db/schema/principals.js';

export type { Role };

const rank: Record<Role, number> = { VIEWER: 1, ANALYST: 2, ADMIN: 3 };

export const ROLES: readonly Role[] = ['VIEWER', 'ANALYST', 'ADMIN'];

// own keys only: `in` also finds what every object inherits ("constructor", "toString")
export const isRole = (value: unknown): value is Role => typeof value === 'string' && Object.hasOwn(rank, value);

/** Roles are ordered: an ADMIN may do what an ANALYST may, and so on. */
export const hasRole = (actual: Role, required: Role): boolean => rank[actual] >= rank[required];

/** Who is calling, once authenticated. Everything downstream is scoped by `orgId`. */
export interface Viewer {
  orgId: string;
  principalId: string;
  role: Role;
  kind: 'USER' | 'API_KEY';
  name: string;
  /** When the credential stops authenticating: a JWT's `exp`. API keys do not expire (they are revoked). */
  expiresAt?: Date;
}
