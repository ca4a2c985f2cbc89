/**
 * The only reader of `process.env`. Every setting is declared here once, validated at boot,
 * and listed in the README and `.env.example`.
 */
import path from 'node:path';

export type ProcessRole = 'api' | 'worker' | 'all';

export interface Config {
  port: number;
  host: string;
  /** Unset: start an embedded Postgres under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  bootstrapAdminKey: string | undefined;
  jwtSecret: string | undefined;
  jwtJwksUrl: string | undefined;
  jwtIssuer: string | undefined;
  jwtAudience: string | undefined;
  logLevel: string;
  maxPageSize: number;
  maxQueryDepth: number;
  maxQueryComplexity: number;
  maxBodyBytes: number;
  role: ProcessRole;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function str(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

export function parseRole(raw: string | undefined): ProcessRole {
  const role = raw ?? 'all';
  if (role !== 'api' && role !== 'worker' && role !== 'all') {
    throw new ConfigError(`role must be api, worker or all, got "${role}"`);
  }
  return role;
}

export function loadConfig(env: Env = process.env): Config {
  const jwtSecret = str(env, 'GCT_JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('GCT_JWT_SECRET must be at least 32 characters (HS256 needs a 256-bit secret)');
  }
  const bootstrapAdminKey = str(env, 'GCT_BOOTSTRAP_ADMIN_KEY');
  if (bootstrapAdminKey !== undefined && !/^gct_[A-Za-z0-9_-]{20,}$/.test(bootstrapAdminKey)) {
    throw new ConfigError('GCT_BOOTSTRAP_ADMIN_KEY must look like an API key: "gct_" then at least 20 letters, digits, "_" or "-"');
  }
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: str(env, 'DATABASE_URL'),
    dataDir: path.resolve(str(env, 'GCT_DATA_DIR') ?? '.data'),
    embeddedPgPort: int(env, 'GCT_EMBEDDED_PG_PORT', 54329, 1, 65535),
    bootstrapAdminKey,
    jwtSecret,
    jwtJwksUrl: str(env, 'GCT_JWT_JWKS_URL'),
    jwtIssuer: str(env, 'GCT_JWT_ISSUER'),
    jwtAudience: str(env, 'GCT_JWT_AUDIENCE'),
    logLevel: str(env, 'LOG_LEVEL') ?? 'info',
    maxPageSize: int(env, 'GCT_MAX_PAGE_SIZE', 500, 1, 10000),
    maxQueryDepth: int(env, 'GCT_MAX_QUERY_DEPTH', 10, 2, 100),
    maxQueryComplexity: int(env, 'GCT_MAX_QUERY_COMPLEXITY', 20_000, 10, 10_000_000),
    maxBodyBytes: int(env, 'GCT_MAX_BODY_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    role: parseRole(str(env, 'GCT_ROLE')),
  };
}
