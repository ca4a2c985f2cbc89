import type { Db } from '../db/client.js';
import { AppError } from '../errors.js';
import { authenticateApiKey, authenticateJwtUser } from '../services/principals.js';
import { looksLikeApiKey } from './api-keys.js';
import type { JwtClaims } from './jwt.js';
import type { Viewer } from './roles.js';

export type JwtVerifier = (token: string) => Promise<JwtClaims>;

/** Reads the credential from `Authorization: Bearer …` (or Basic, whose password is the token: Nextflow's weblog can only send that). */
export function credentialFrom(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!value) return undefined;
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) || decoded.slice(0, colon) : decoded;
  }
  return undefined;
}

/**
 * Resolves the caller. No credential → null (the schema decides what anonymous callers may do);
 * a credential that does not verify → UNAUTHENTICATED, never a silent downgrade to anonymous.
 */
export async function authenticate(db: Db, verifyJwt: JwtVerifier | undefined, authorization: string | undefined): Promise<Viewer | null> {
  const token = credentialFrom(authorization);
  if (!token) return null;
  if (looksLikeApiKey(token)) {
    const viewer = await authenticateApiKey(db, token);
    if (!viewer) throw new AppError('UNAUTHENTICATED', 'unknown or revoked API key');
    return viewer;
  }
  if (!verifyJwt) throw new AppError('UNAUTHENTICATED', 'not an API key, and JWT sign-in is not configured (GCT_JWT_SECRET or GCT_JWT_JWKS_URL)');
  return authenticateJwtUser(db, await verifyJwt(token));
}
