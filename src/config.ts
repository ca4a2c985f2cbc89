/**
 * The only reader of `process.env`. Every setting is declared here once, validated at boot,
 * and listed in the README and `.env.example`.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { parseCurrency } from './ingest/costs/currency.js';
import { DEFAULT_RUN_CORRECTION_PRIOR } from './models/run-correction.js';
import type { FxRates } from './services/fx.js';
import type { RecommendationSettings } from './services/recommendations.js';
import { parseSecretKey } from './services/secrets.js';

export type ProcessRole = 'api' | 'worker' | 'all';

export interface Config {
  port: number;
  host: string;
  /** Unset: start an embedded Postgres under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /**
   * What a file path on the command line is relative to: where the command was typed. `npm run gct` runs in
   * the checkout and keeps the caller's directory in INIT_CWD (npm's, not a setting); see invocationDir.
   */
  invocationDir: string;
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
  /** Operations one graphql-ws connection may run at once (subscriptions, mostly). */
  maxWsOperations: number;
  /** GCT_WS_REAUTH_SECONDS: how often each authenticated graphql-ws connection's credential is checked again, events or not. */
  wsReauthSeconds: number;
  /** GCT_WS_MAX_QUEUED_EVENTS: events one graphql-ws subscription may have waiting to be sent; one more closes its connection with 1013. */
  wsMaxQueuedEvents: number;
  /**
   * GCT_WS_KEEPALIVE_SECONDS: graphql-ws pings each connection this often and closes one that has not
   * answered by the next ping. Behind a proxy that drops idle connections, keep it under the proxy's timeout.
   */
  wsKeepAliveSeconds: number;
  /** GCT_GRAPHQL_EXECUTOR: `jit` (default) compiles each operation once (graphql/jit-executor); `graphql-js` walks it per request. */
  graphqlExecutor: 'jit' | 'graphql-js';
  maxBodyBytes: number;
  /** GCT_MAX_UPLOAD_BYTES: largest cost or trace file accepted by `POST /import/costs` and `/import/trace` (the body streams; this bounds disk, not memory). */
  maxUploadBytes: number;
  /**
   * Browser origins allowed to call the HTTP API across origins (CORS), e.g. a lab portal's single-page app
   * signing its users in with JWTs; `*` for any. Empty: no CORS headers, as a same-origin or server client needs.
   */
  corsOrigins: readonly string[];
  role: ProcessRole;
  /** GCT_SECRET_KEY: AES-256 key for secrets kept in the database (Azure client secrets); unset: none can be stored. */
  secretKey: Buffer | undefined;
  /** Entra ID authority for Azure connections (sovereign clouds, tests). */
  azureAuthorityHost: string;
  /** Azure Resource Manager endpoint Cost Management is queried at. */
  azureArmEndpoint: string;
  /** Cron (UTC) of the scheduled sync of every cost connection; undefined: off. */
  costSyncCron: string | undefined;
  /** Cron (UTC) of the scheduled evaluation of every budget; undefined: off (ingest still triggers it). */
  budgetEvalCron: string | undefined;
  webhooks: WebhookSettings;
  anomalies: AnomalySettings;
  capture: CaptureSettings;
  recommendations: RecommendationSettings;
  /** Cron (UTC) of the recommendations refresh; undefined: off. */
  recommendationsCron: string | undefined;
  /** Cron (UTC) of the monthly cost reports (last month, every project); undefined: off. */
  reportsCron: string | undefined;
  reconcile: ReconcileSettings;
  estimation: EstimationSettings;
}

/** Models, retraining and quotes (issue 5). */
export interface EstimationSettings {
  /** GCT_MODEL_MODULES: user model modules (paths or package names) loaded at start beside the built-ins. */
  modelModules: string[];
  /** Cron (UTC) of the nightly `models.retrain` of every organization; undefined: off. */
  retrainCron: string | undefined;
  /** Newest share of the history held out (by submit time) to score models when retraining. */
  holdoutFraction: number;
  /**
   * GCT_MODEL_MAX_BIAS_PERCENT (default 50): a model whose holdout total misses by more than this
   * (|Σpredicted / Σactual − 1|) is never made champion, however low its MAPE.
   */
  maxChampionBias: number;
  /**
   * GCT_MODEL_STATE_RETENTION_DAYS (default 30): a version that is not champion keeps its fitted state
   * this many days after it was trained, then only its metrics (quotes read champions' states only).
   */
  stateRetentionDays: number;
  /** A quote with no history prices this VM size for `defaultVmHoursPerSample` hours per sample. */
  defaultVmSize: string;
  defaultVmHoursPerSample: number;
  /**
   * GCT_LIVE_CORRECTION_PRIOR (default 5): how strongly the live estimate's run correction is
   * shrunk toward no correction (models/run-correction.ts: more is slower to move); 0 turns it off.
   */
  liveCorrectionPrior: number;
  /** GCT_FX_RATES: converts the price table's USD into an organization's currency for quotes and live estimates. */
  fxRates: FxRates;
}

/** How bill lines become actual costs (services/reconcile.ts). */
export interface ReconcileSettings {
  /**
   * SHARE: a pool line's idle is given to the runs that used the line, in proportion to their task
   * allocations on it (their actual cost includes it); SEPARATE: idle stays with the pool.
   */
  idleMode: IdleMode;
  /** |estimate − actual| / actual above this (0.2 = 20%) for a run billed in full raises (or updates) its ESTIMATE_DRIFT alert; at or below, resolves it. */
  driftThreshold: number;
  /**
   * GCT_FX_RATES: the listed price of a bill line without hours, when the price sheet has none in its
   * currency, and the estimated cost of a run that moves to its organization's currency, are converted with these.
   */
  fxRates: FxRates;
}

export type IdleMode = 'SHARE' | 'SEPARATE';

/** How alerts are delivered to webhook channels. */
export interface WebhookSettings {
  /** One POST may take this long before it counts as failed. */
  timeoutMs: number;
  /** Retries after the first attempt (pg-boss, exponential backoff). */
  retryLimit: number;
  /** First retry delay; each next one roughly doubles. */
  retryDelaySeconds: number;
  /** Whether channels may point at private, loopback or link-local addresses (services/webhook-target.ts). */
  allowPrivateTargets: boolean;
}

/** How daily costs are checked against their own history. */
export interface AnomalySettings {
  /** Cron (UTC) of the daily detection; undefined: off. */
  cron: string | undefined;
  /** Days of history before the checked day. */
  windowDays: number;
  /** Fewer days of bill history than this: no verdict. */
  minHistoryDays: number;
  /** Robust z-score at or above which a day is an anomaly. */
  threshold: number;
  /** Smallest impact (actual − expected, in the bill's currency) worth an anomaly; a decimal string. */
  minImpact: string;
  /** After an anomaly alert on a dimension value, no new one for it for this long. */
  cooldownHours: number;
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

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new ConfigError(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return value;
}

function decimal(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(`${name} must be a non-negative decimal number such as "10" or "2.50", got "${raw}"`);
  return raw;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
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

/** Comma-separated list; empty entries are dropped. */
function list(env: Env, name: string): string[] {
  return (str(env, name) ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0);
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

/** Comma-separated origins as a browser sends them (`https://portal.lab.example`, no path), or `*`. */
function corsOrigins(env: Env): string[] {
  const raw = str(env, 'GCT_CORS_ORIGINS');
  if (raw === undefined) return [];
  return raw.split(',').map((entry) => {
    const value = entry.trim();
    if (value === '*') return value;
    let origin: string | undefined;
    try {
      origin = new URL(value).origin;
    } catch {
      origin = undefined;
    }
    // an origin is scheme, host and port only: "https://portal.example/" or a path would never match one
    if (origin !== value || !/^https?:$/.test(new URL(value).protocol)) {
      throw new ConfigError(`GCT_CORS_ORIGINS: ${JSON.stringify(value)} is not an origin such as https://portal.lab.example (scheme, host and port; no path), nor *`);
    }
    return value;
  });
}

function graphqlExecutor(env: Env): Config['graphqlExecutor'] {
  const value = str(env, 'GCT_GRAPHQL_EXECUTOR') ?? 'jit';
  if (value !== 'jit' && value !== 'graphql-js') throw new ConfigError(`GCT_GRAPHQL_EXECUTOR must be jit or graphql-js, got "${value}"`);
  return value;
}

function idleMode(env: Env): IdleMode {
  const value = (str(env, 'GCT_RECONCILE_IDLE') ?? 'share').toLowerCase();
  if (value !== 'share' && value !== 'separate') throw new ConfigError(`GCT_RECONCILE_IDLE must be share or separate, got "${value}"`);
  return value === 'share' ? 'SHARE' : 'SEPARATE';
}

function percent(env: Env, name: string, fallback: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback / 100;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 10_000) throw new ConfigError(`${name} must be a percentage above 0, e.g. 20, got "${raw}"`);
  return value / 100;
}

/**
 * GCT_FX_RATES: `USD:EUR=0.92,USD:GBP=0.79`, each entry one way (one FROM is RATE TO). An entry that
 * cannot be read stops the boot, named: a mistyped rate would otherwise price every quote wrong.
 */
function parseFxRates(raw: string | undefined): FxRates {
  const rates = new Map<string, string>();
  for (const entry of (raw ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0)) {
    const m = /^([A-Za-z]{3})\s*:\s*([A-Za-z]{3})\s*=\s*(\d+(?:\.\d+)?)$/.exec(entry);
    if (!m) throw new ConfigError(`GCT_FX_RATES entry "${entry}" must look like USD:EUR=0.92 (one USD is 0.92 EUR)`);
    const [from, to] = [parseCurrency(m[1]), parseCurrency(m[2])];
    if (from === null || to === null) throw new ConfigError(`GCT_FX_RATES entry "${entry}": ${from === null ? m[1] : m[2]} is not an ISO 4217 currency code`);
    if (from === to) throw new ConfigError(`GCT_FX_RATES entry "${entry}" converts ${from} into itself`);
    if (!/[1-9]/.test(m[3])) throw new ConfigError(`GCT_FX_RATES entry "${entry}": the rate must be above 0`);
    const pair = `${from}:${to}`;
    if (rates.has(pair)) throw new ConfigError(`GCT_FX_RATES entry "${entry}": ${pair} is given twice`);
    rates.set(pair, m[3].replace(/^0+(?=\d)/, ''));
  }
  return rates;
}

export function parseRole(raw: string | undefined): ProcessRole {
  const role = raw ?? 'all';
  if (role !== 'api' && role !== 'worker' && role !== 'all') {
    throw new ConfigError(`role must be api, worker or all, got "${role}"`);
  }
  return role;
}

/**
 * INIT_CWD when npm started this process as a script of a package, in that package's folder (`npm run gct`);
 * else the working directory. Every process under an npm script inherits INIT_CWD: the `gct` binary run by a
 * lab's own script after a `cd data` would read `bill.csv` from where `npm run` was typed, not from data/.
 */
function invocationDir(env: Env): string {
  const initCwd = str(env, 'INIT_CWD');
  const packageJson = str(env, 'npm_package_json');
  // real paths: the working directory is one (getcwd), the package's path may go through a symlink
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  const ranByNpm = initCwd !== undefined && packageJson !== undefined && real(path.dirname(path.resolve(packageJson))) === real(process.cwd());
  return ranByNpm ? path.resolve(initCwd) : process.cwd();
}

export function loadConfig(env: Env = process.env): Config {
  const jwtSecret = str(env, 'GCT_JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('GCT_JWT_SECRET must be at least 32 characters (HS256 needs a 256-bit secret)');
  }
  // an identity provider signs tokens for every application it serves: verified against its keys alone, a
  // token issued to another application (with an `org` and `role` claim) would sign in here
  if (str(env, 'GCT_JWT_JWKS_URL') !== undefined && str(env, 'GCT_JWT_AUDIENCE') === undefined) {
    throw new ConfigError('GCT_JWT_JWKS_URL needs GCT_JWT_AUDIENCE: the audience (aud) your identity provider puts in tokens issued for this server');
  }
  const bootstrapAdminKey = str(env, 'GCT_BOOTSTRAP_ADMIN_KEY');
  const fxRates = parseFxRates(str(env, 'GCT_FX_RATES'));
  if (bootstrapAdminKey !== undefined && !/^gct_[A-Za-z0-9_-]{20,}$/.test(bootstrapAdminKey)) {
    throw new ConfigError('GCT_BOOTSTRAP_ADMIN_KEY must look like an API key: "gct_" then at least 20 letters, digits, "_" or "-"');
  }
  return {
    port: int(env, 'PORT', 4000, 0, 65535),
    host: str(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: str(env, 'DATABASE_URL'),
    dataDir: path.resolve(str(env, 'GCT_DATA_DIR') ?? '.data'),
    invocationDir: invocationDir(env),
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
    maxWsOperations: int(env, 'GCT_WS_MAX_OPERATIONS', 100, 1, 10_000),
    wsReauthSeconds: int(env, 'GCT_WS_REAUTH_SECONDS', 60, 1, 86_400),
    wsMaxQueuedEvents: int(env, 'GCT_WS_MAX_QUEUED_EVENTS', 1000, 1, 1_000_000),
    wsKeepAliveSeconds: int(env, 'GCT_WS_KEEPALIVE_SECONDS', 12, 1, 3600),
    graphqlExecutor: graphqlExecutor(env),
    maxBodyBytes: int(env, 'GCT_MAX_BODY_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxUploadBytes: int(env, 'GCT_MAX_UPLOAD_BYTES', 2 * 1024 ** 3, 1024, 1024 ** 4),
    corsOrigins: corsOrigins(env),
    role: parseRole(str(env, 'GCT_ROLE')),
    secretKey: secretKey(env),
    azureAuthorityHost: httpsEndpoint(env, 'GCT_AZURE_AUTHORITY_HOST', 'https://login.microsoftonline.com'),
    azureArmEndpoint: httpsEndpoint(env, 'GCT_AZURE_ARM_ENDPOINT', 'https://management.azure.com'),
    costSyncCron: cron(env, 'GCT_COST_SYNC_CRON', '0 */4 * * *'),
    budgetEvalCron: cron(env, 'GCT_BUDGET_EVAL_CRON', '*/15 * * * *'),
    anomalies: {
      cron: cron(env, 'GCT_ANOMALY_CRON', '30 6 * * *'),
      windowDays: int(env, 'GCT_ANOMALY_WINDOW_DAYS', 28, 7, 365),
      minHistoryDays: int(env, 'GCT_ANOMALY_MIN_HISTORY_DAYS', 7, 3, 365),
      threshold: num(env, 'GCT_ANOMALY_THRESHOLD', 3.5, 1, 100),
      minImpact: decimal(env, 'GCT_ANOMALY_MIN_IMPACT', '10'),
      cooldownHours: int(env, 'GCT_ANOMALY_COOLDOWN_HOURS', 24, 0, 24 * 90),
    },
    webhooks: {
      timeoutMs: int(env, 'GCT_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
      retryLimit: int(env, 'GCT_WEBHOOK_RETRY_LIMIT', 6, 0, 50),
      retryDelaySeconds: int(env, 'GCT_WEBHOOK_RETRY_DELAY_SECONDS', 10, 1, 3600),
      allowPrivateTargets: flag(env, 'GCT_WEBHOOK_ALLOW_PRIVATE', false),
    },
    capture: {
      runIdParam: str(env, 'GCT_RUN_ID_PARAM') ?? 'gct_run_id',
      projectParam: str(env, 'GCT_PROJECT_PARAM') ?? 'project',
      samplePattern: regex(env, 'GCT_SAMPLE_TAG_PATTERN', '^([^\\s:]+)'),
      weblogMaxBytes: int(env, 'GCT_WEBLOG_MAX_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    },
    recommendations: {
      headroom: int(env, 'GCT_RIGHTSIZE_HEADROOM_PERCENT', 20, 0, 500) / 100,
      windowDays: int(env, 'GCT_RECOMMENDATION_WINDOW_DAYS', 30, 1, 365),
      minTasks: int(env, 'GCT_RECOMMENDATION_MIN_TASKS', 5, 1, 100_000),
      lowPriorityMaxMinutes: int(env, 'GCT_LOW_PRIORITY_MAX_MINUTES', 30, 1, 24 * 60),
      idlePoolPercent: int(env, 'GCT_IDLE_POOL_PERCENT', 30, 1, 100),
      fxRates,
    },
    recommendationsCron: cron(env, 'GCT_RECOMMENDATIONS_CRON', '30 5 * * *'),
    reportsCron: cron(env, 'GCT_REPORTS_CRON', '0 6 2 * *'),
    reconcile: {
      idleMode: idleMode(env),
      driftThreshold: percent(env, 'GCT_ESTIMATE_DRIFT_PERCENT', 20),
      fxRates,
    },
    estimation: {
      modelModules: list(env, 'GCT_MODEL_MODULES'),
      retrainCron: cron(env, 'GCT_MODEL_RETRAIN_CRON', '30 2 * * *'),
      holdoutFraction: num(env, 'GCT_MODEL_HOLDOUT_FRACTION', 0.3, 0.05, 0.9),
      maxChampionBias: percent(env, 'GCT_MODEL_MAX_BIAS_PERCENT', 50),
      stateRetentionDays: int(env, 'GCT_MODEL_STATE_RETENTION_DAYS', 30, 0, 36_500),
      defaultVmSize: str(env, 'GCT_QUOTE_DEFAULT_VM_SIZE') ?? 'Standard_D4_v3',
      defaultVmHoursPerSample: num(env, 'GCT_QUOTE_DEFAULT_VM_HOURS_PER_SAMPLE', 2, 0, 10_000),
      liveCorrectionPrior: num(env, 'GCT_LIVE_CORRECTION_PRIOR', DEFAULT_RUN_CORRECTION_PRIOR, 0, 1_000_000),
      fxRates,
    },
  };
}
