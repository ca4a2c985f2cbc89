import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../errors.js';
import { isRole, type Role } from './roles.js';

export interface JwtSettings {
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export interface JwtClaims {
  subject: string;
  orgId: string;
  role: Role;
  name: string;
  /** The token's `exp`: from then on it authenticates no one. */
  expiresAt: Date;
}

/**
 * Verifies a JWT (HS256 with a shared secret, or any JWKS-published key) and reads the claims
 * the API needs: `sub`, `org` (organization id), `role` (VIEWER | ANALYST | ADMIN), optional `name`.
 * Every token must carry `exp`.
 */
export function createJwtVerifier(settings: JwtSettings): ((token: string) => Promise<JwtClaims>) | undefined {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[] | undefined;
  if (settings.jwksUrl) {
    key = createRemoteJWKSet(new URL(settings.jwksUrl));
  } else if (settings.secret) {
    key = new TextEncoder().encode(settings.secret);
    algorithms = ['HS256'];
  } else {
    return undefined;
  }
  return async (token) => {
    let payload: JWTPayload;
    // jose checks `exp` only when the token has one: without requiring it, a token that omits it works forever
    const options = { issuer: settings.issuer, audience: settings.audience, algorithms, requiredClaims: ['exp'] };
    try {
      ({ payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
    } catch (err) {
      throw new AppError('UNAUTHENTICATED', `invalid token: ${(err as Error).message}`);
    }
    const { sub, org, role, name, exp } = payload as JWTPayload & { org?: unknown; role?: unknown; name?: unknown };
    if (typeof sub !== 'string' || sub === '') throw new AppError('UNAUTHENTICATED', 'invalid token: claim "sub" is missing');
    if (typeof org !== 'string' || org === '') throw new AppError('UNAUTHENTICATED', 'invalid token: claim "org" is missing');
    if (!isRole(role)) throw new AppError('UNAUTHENTICATED', 'invalid token: claim "role" must be VIEWER, ANALYST or ADMIN');
    // jose has checked `exp` is a number (requiredClaims) and in the future
    return { subject: sub, orgId: org, role, name: typeof name === 'string' ? name : sub, expiresAt: new Date(exp! * 1000) };
  };
}
