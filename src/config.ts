/**
 * The only reader of `process.env`. Every setting is declared here once, validated at boot,
 * and listed in the README and `.env.example`.
 */
import path from 'node:path';
import { parseSecretKey } from './services/secrets.js';

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
  /** GCT_MAX_UPLOAD_BYTES: largest cost file accepted by `POST /import/costs` (the body streams; this bounds disk, not memory). */
  maxUploadBytes: number;
  role: ProcessRole;
  /** GCT_SECRET_KEY: AES-256 key for secrets kept in the database (Azure client secrets); unset: none can be stored. */
  secretKey: Buffer | undefined;
  /** Entra ID authority for Azure connections (sovereign clouds, tests). */
  azureAuthorityHost: string;
  /** Azure Resource Manager endpoint Cost Management is queried at. */
  azureArmEndpoint: string;
  /** Cron (UTC) of the scheduled sync of every cost connection; undefined: off. */
  costSyncCron: string | undefined;
  capture: CaptureSettings;
}

/** How captured Nextflow runs are tied to LIMS runs, projects and samples. */
export interface CaptureSettings {
  /** Pipeline param carrying the id `registerRun` returned (`--gct_run_id <id>`). */
  runIdParam: string;
  /** Pipeline param whose value is a project code, for runs nobody registered. */
  projectParam: string;
  /** Applied to a task's tag; the first capture group is the sample. */
  samplePattern: RegExp;
  weblogMaxBytes: number;
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

function regex(env: Env, name: string, fallback: string): RegExp {
  const source = str(env, name) ?? fallback;
  let re: RegExp;
  try {
    re = new RegExp(source);
  } catch (err) {
    throw new ConfigError(`${name} is not a valid regular expression: ${(err as Error).message}`);
  }
  if (!/\((?!\?)/.test(source)) throw new ConfigError(`${name} needs a capture group: the first group is the sample`);
  return re;
}

function httpsEndpoint(env: Env, name: string, fallback: string): string {
  const value = str(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an https URL, got "${value}"`);
  }
  if (url.protocol !== 'https:' || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`${name} must be a plain https URL (tokens are sent to it), got "${value}"`);
  }
  return url.toString().replace(/\/+$/, '');
}

function secretKey(env: Env): Buffer | undefined {
  const raw = str(env, 'GCT_SECRET_KEY');
  if (raw === undefined) return undefined;
  try {
    return parseSecretKey(raw);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** A 5-field cron (pg-boss checks it fully when scheduling), or `off`. */
function cron(env: Env, name: string, fallback: string): string | undefined {
  const value = str(env, name) ?? fallback;
  if (value.toLowerCase() === 'off') return undefined;
  if (!/^[0-9*,/\-]+( [0-9A-Za-z*,/\-]+){4}$/.test(value)) throw new ConfigError(`${name} must be a 5-field cron expression such as "0 */4 * * *", or "off", got "${value}"`);
  return value;
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
    maxUploadBytes: int(env, 'GCT_MAX_UPLOAD_BYTES', 2 * 1024 ** 3, 1024, 1024 ** 4),
    role: parseRole(str(env, 'GCT_ROLE')),
    secretKey: secretKey(env),
    azureAuthorityHost: httpsEndpoint(env, 'GCT_AZURE_AUTHORITY_HOST', 'https://login.microsoftonline.com'),
    azureArmEndpoint: httpsEndpoint(env, 'GCT_AZURE_ARM_ENDPOINT', 'https://management.azure.com'),
    costSyncCron: cron(env, 'GCT_COST_SYNC_CRON', '0 */4 * * *'),
    capture: {
      runIdParam: str(env, 'GCT_RUN_ID_PARAM') ?? 'gct_run_id',
      projectParam: str(env, 'GCT_PROJECT_PARAM') ?? 'project',
      samplePattern: regex(env, 'GCT_SAMPLE_TAG_PATTERN', '^([^\\s:]+)'),
      weblogMaxBytes: int(env, 'GCT_WEBLOG_MAX_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    },
  };
}
