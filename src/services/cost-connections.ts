import { randomUUID } from 'node:crypto';
import { AzureAuthorityHosts } from '@azure/identity';
import { and, asc, desc, eq, sql as dsql } from 'drizzle-orm';
import { pino } from 'pino';
import type postgres from 'postgres';
import type { Config } from '../config.js';
import type { Db, Sql } from '../db/client.js';
import { errorText } from '../db/query-error.js';
import { costConnections, costSyncs, type CostConnectionRow, type CostSyncRow } from '../db/schema/index.js';
import { AppError, badInput, notFound } from '../errors.js';
import { createCostManagementClient, type AzureCredentialConfig } from '../ingest/azure/cost-client.js';
import { fetchAzureCosts } from '../ingest/azure/fetch-costs.js';
import { isSupportedGroupingDimension } from '../ingest/azure/map-rows.js';
import type { CostRow } from '../ingest/costs/cost-row.js';
import { CostRowHasher, namespacedHash } from '../ingest/costs/row-hash.js';
import { COST_SYNC_EXPIRE_SECONDS, enqueueCostSync } from '../jobs/cost-sync-queue.js';
import { reconcileAfterIngest } from '../jobs/reconcile-queue.js';
import { invalidateCostDays } from './cost-rollup.js';
import { lockCostWrites } from './cost-write-lock.js';
import { removeCoveredSyncedLines } from './file-coverage.js';
import type { Logger } from '../logger.js';
import { loadCostRows } from './cost-loader.js';
import { spoolCostRows, type CostRowSpool, type HashedCostRow } from './cost-row-spool.js';
import { checkPageSize, decodeTimeIdCursor, microsecondsOf, olderThan, rowsPage, type Page } from './pagination.js';
import { isUuid } from './runs.js';
import { SecretBox, SECRET_KEY_SETTING } from './secrets.js';
import { enqueueBudgetEvaluation } from '../jobs/budget-evaluation-queue.js';

export type ConnectionAuth = CostConnectionRow['auth'];
export type SyncStatus = CostSyncRow['status'];
export type CostGrouping = { type: 'Dimension' | 'TagKey'; name: string };
export type AzureCostType = 'ActualCost' | 'AmortizedCost';

/** A connection as callers see it: everything but the encrypted secret, which never leaves this file. */
export type CostConnection = Omit<CostConnectionRow, 'secretEncrypted'>;

export interface CreateCostConnectionInput {
  name: string;
  /** `/subscriptions/<guid>`, `/subscriptions/<guid>/resourceGroups/<name>` or `/providers/Microsoft.Billing/billingAccounts/<id>`. */
  scope: string;
  auth: ConnectionAuth;
  tenantId?: string | null;
  /** The app registration (CLIENT_SECRET) or a user-assigned identity (MANAGED_IDENTITY; omit for system-assigned). */
  clientId?: string | null;
  /** CLIENT_SECRET only; stored AES-256-GCM encrypted, never returned. */
  clientSecret?: string | null;
  windowDays?: number | null;
  groupBy?: CostGrouping | null;
  costType?: AzureCostType | null;
}

export interface SyncWindowInput {
  from?: Date | null;
  to?: Date | null;
}

export interface SyncOptions extends SyncWindowInput {
  /** The QUEUED cost_syncs row to fill in (a queued job); without it a new row is recorded. */
  syncId?: string;
  log?: Logger;
  signal?: AbortSignal;
}

/** The settings a sync needs (a `Config` has them all). */
export type CostSyncSettings = Pick<Config, 'secretKey' | 'azureAuthorityHost' | 'azureArmEndpoint' | 'maxPageSize'>;

const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 5;
/** A connection re-pulls at most one query window (31 days) on every scheduled sync. */
export const MAX_WINDOW_DAYS = 31;
/** Longest window one requested sync (a backfill) may replace: 12 queries, 12 of the tenant's 600 QPU an hour. */
export const MAX_SYNC_DAYS = 366;
/** A sync that has not finished fetching by then gives up (the queue expires its job a little later: COST_SYNC_EXPIRE_SECONDS). */
export const SYNC_TIMEOUT_MS = 50 * 60_000;
const MAX_ERROR_LENGTH = 2000;
/** Namespace of the per-connection advisory lock taken while a window is replaced. */
const REPLACE_LOCK_NAMESPACE = 7_240_004;
/** Namespace of the per-connection advisory lock under which a sync starts (CostConnectionService.start). */
const START_LOCK_NAMESPACE = 7_240_005;
/**
 * A queued sync whose connection is busy with another goes back to the queue for this long: a waiting
 * sync costs a few small queries a minute, and starts within seconds of the other's end.
 */
const SYNC_BUSY_RETRY_SECONDS = 15;
/** What a sync a stopped worker left RUNNING is recorded as failing with. */
const ABANDONED_SYNC_ERROR =
  `the worker running this sync stopped before it finished (no result ${COST_SYNC_EXPIRE_SECONDS / 60} minutes after it started: ` +
  'a restart, a crash or running out of memory); nothing of it was stored';

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const GUID_RE = new RegExp(`^${GUID}$`);
const SUBSCRIPTION_SCOPE = new RegExp(`^/subscriptions/(${GUID})$`, 'i');
// resource group names: 1-90 of letters, digits, '.', '_', '-', not ending in '.'. Azure also allows
// parentheses, which the Cost Management client cannot put into its URL unencoded, so they are refused.
const RESOURCE_GROUP_SCOPE = new RegExp(`^/subscriptions/(${GUID})/resourceGroups/([A-Za-z0-9._-]{0,89}[A-Za-z0-9_-])$`, 'i');
// billing account ids: EA enrolment numbers, MCA `<guid>:<guid>_<yyyy-mm-dd>`
const BILLING_ACCOUNT_SCOPE = /^\/providers\/Microsoft\.Billing\/billingAccounts\/([A-Za-z0-9][A-Za-z0-9:._-]{0,199})$/i;
const TENANT_DOMAIN = /^(?=.{3,253}$)[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** Authorities MSAL knows; for any other host (a private cloud, a test fake) it cannot run instance discovery. */
const KNOWN_AUTHORITY_HOSTS = new Set(Object.values(AzureAuthorityHosts).map((h) => h.replace(/\/+$/, '').toLowerCase()));

/** Validates and normalises a Cost Management scope (leading slash, canonical casing of fixed segments). */
export function normalizeScope(raw: string): string {
  const scope = `/${raw.trim().replace(/^\/+|\/+$/g, '')}`;
  let m = SUBSCRIPTION_SCOPE.exec(scope);
  if (m) return `/subscriptions/${m[1].toLowerCase()}`;
  m = RESOURCE_GROUP_SCOPE.exec(scope);
  if (m) return `/subscriptions/${m[1].toLowerCase()}/resourceGroups/${m[2]}`;
  m = BILLING_ACCOUNT_SCOPE.exec(scope);
  if (m) return `/providers/Microsoft.Billing/billingAccounts/${m[1]}`;
  throw badInput(
    'scope',
    'must be /subscriptions/<subscription id>, /subscriptions/<subscription id>/resourceGroups/<name> or /providers/Microsoft.Billing/billingAccounts/<billing account id>',
  );
}

const isUtcMidnight = (d: Date) => d.getTime() % DAY_MS === 0;
const utcDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The window a sync replaces, [from, to) in whole UTC days. Default: the connection's last
 * `windowDays` days, today included (today's costs are partial and are replaced again next time).
 */
export function resolveSyncWindow(input: SyncWindowInput, windowDays: number, now: Date = new Date()): { from: Date; to: Date } {
  const endOfToday = new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS + DAY_MS);
  for (const field of ['from', 'to'] as const) {
    const d = input[field];
    if (d == null) continue;
    if (Number.isNaN(d.getTime())) throw badInput(field, 'is not a valid date');
    if (!isUtcMidnight(d)) throw badInput(field, `must be a UTC midnight such as ${utcDay(d)}T00:00:00Z: costs are pulled by whole days`);
  }
  const to = input.to ?? endOfToday;
  const from = input.from ?? new Date(to.getTime() - windowDays * DAY_MS);
  if (to.getTime() > endOfToday.getTime()) throw badInput('to', `must not be after the end of today (${endOfToday.toISOString()}): there are no costs yet`);
  if (from.getTime() >= to.getTime()) throw badInput('from', `must be before to (${to.toISOString()})`);
  const days = (to.getTime() - from.getTime()) / DAY_MS;
  if (days > MAX_SYNC_DAYS) throw badInput('from', `the window spans ${days} days; at most ${MAX_SYNC_DAYS} can be synced at once`);
  return { from, to };
}

/** The postgres.js client under a Drizzle database (for COPY and raw transactions). */
function sqlClientOf(db: Db): Sql {
  const client = (db as Db & { $client?: Sql }).$client;
  if (!client) throw new Error('the database handle has no postgres.js client');
  return client;
}

/** Binds a stored secret to its row: a ciphertext copied onto another connection does not decrypt. */
const secretContext = (orgId: string, connectionId: string) => `cost_connections.secret_encrypted:${orgId}:${connectionId}`;

/** A readable, bounded error message with every form of the secret taken out. */
function describeFailure(error: unknown, secret: string | undefined): string {
  // a failed query (storing the rows) quotes every row it stored in its message: not kept
  let message = errorText(error);
  // @azure/identity's errors carry Entra's answer (AADSTS code, description) but do not say what failed
  if (error instanceof Error && /^(Aggregate)?Authentication(Required)?Error$|^CredentialUnavailableError$/.test(error.name)) message = `Azure sign-in failed: ${message}`;
  if (secret) {
    for (const form of new Set([secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')])) message = message.split(form).join('[redacted]');
  }
  message = message.trim() || 'unknown error';
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH - 1)}…` : message;
}

/**
 * Hashes API rows for `cost_records.row_hash`: the row's content hash (with its occurrence among
 * identical rows of this sync) mixed with the connection id, so two connections that see the same
 * line (overlapping scopes) never collide. Also refuses rows outside the window being replaced:
 * they would escape the delete and could count twice.
 */
async function* hashRows(rows: AsyncIterable<CostRow>, connectionId: string, window: { from: Date; to: Date }): AsyncGenerator<HashedCostRow> {
  const hasher = new CostRowHasher();
  for await (const row of rows) {
    const start = row.chargePeriodStart.getTime();
    if (start < window.from.getTime() || start >= window.to.getTime()) {
      throw new Error(`Cost Management returned a row for ${row.chargePeriodStart.toISOString()}, outside the window [${utcDay(window.from)}, ${utcDay(window.to)}) being replaced`);
    }
    // the query asks for daily rows; a longer one (no UsageDate in the answer) could not be told apart by day from the
    // days export files restate (services/file-coverage), nor reconciled by day
    if (row.chargePeriodEnd.getTime() - start !== DAY_MS || start % DAY_MS !== 0) {
      throw new Error(`Cost Management answered a daily query with a row for [${row.chargePeriodStart.toISOString()}, ${row.chargePeriodEnd.toISOString()}), not one UTC day; nothing was replaced`);
    }
    const { hash } = hasher.next(row);
    yield { row, hash: namespacedHash(`azure_api:${connectionId}`, hash) };
  }
}

const toView = ({ secretEncrypted: _secret, ...rest }: CostConnectionRow): CostConnection => rest;

const silentLog: Logger = pino({ level: 'silent' });

export class CostConnectionService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly settings: CostSyncSettings,
  ) {}

  private readonly owned = () => eq(costConnections.orgId, this.orgId);

  private box(): SecretBox {
    if (!this.settings.secretKey) {
      throw new AppError(
        'BAD_USER_INPUT',
        `clientSecret: cannot be stored: the server has no ${SECRET_KEY_SETTING} to encrypt it with (ask the operator to set it, or use MANAGED_IDENTITY)`,
        { field: 'clientSecret', setting: SECRET_KEY_SETTING },
      );
    }
    return new SecretBox(this.settings.secretKey);
  }

  async create(input: CreateCostConnectionInput): Promise<CostConnection> {
    const name = input.name.trim();
    if (name === '' || name.length > 200) throw badInput('name', 'must be 1-200 characters');
    const scope = normalizeScope(input.scope);
    const tenantId = input.tenantId?.trim() || null;
    const clientId = input.clientId?.trim() || null;
    const secret = input.clientSecret ?? null;
    if (tenantId !== null && !GUID_RE.test(tenantId) && !TENANT_DOMAIN.test(tenantId)) throw badInput('tenantId', 'must be a directory (tenant) id or domain, e.g. contoso.onmicrosoft.com');
    if (clientId !== null && !GUID_RE.test(clientId)) throw badInput('clientId', 'must be an application (client) id, a GUID');
    if (input.auth === 'CLIENT_SECRET') {
      if (tenantId === null) throw badInput('tenantId', 'is required with CLIENT_SECRET');
      if (clientId === null) throw badInput('clientId', 'is required with CLIENT_SECRET');
      if (secret === null || secret.trim() === '') throw badInput('clientSecret', 'is required with CLIENT_SECRET');
      if (secret.length > 1024) throw badInput('clientSecret', 'must be at most 1024 characters');
    } else if (secret !== null) {
      throw badInput('clientSecret', 'a MANAGED_IDENTITY connection takes no secret');
    }
    const windowDays = input.windowDays ?? DEFAULT_WINDOW_DAYS;
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > MAX_WINDOW_DAYS) throw badInput('windowDays', `must be from 1 to ${MAX_WINDOW_DAYS}`);
    const groupBy = input.groupBy ? { type: input.groupBy.type, name: input.groupBy.name.trim() } : null;
    if (groupBy?.type === 'Dimension' && !isSupportedGroupingDimension(groupBy.name)) {
      throw badInput('groupBy.name', `dimension ${JSON.stringify(groupBy.name)} cannot be stored; use ServiceName, ResourceLocation, ResourceGroup, ResourceType, Meter, MeterCategory, ChargeType, SubscriptionId, SubscriptionName or ServiceFamily`);
    }
    if (groupBy?.type === 'TagKey' && (groupBy.name === '' || groupBy.name.length > 512)) throw badInput('groupBy.name', 'a tag key must be 1-512 characters');

    const id = randomUUID();
    const secretEncrypted = input.auth === 'CLIENT_SECRET' ? this.box().encrypt(secret!, secretContext(this.orgId, id)) : null;
    const [row] = await this.db
      .insert(costConnections)
      .values({ orgId: this.orgId, id, name, scope, auth: input.auth, tenantId, clientId, secretEncrypted, windowDays, groupBy, costType: input.costType ?? 'ActualCost' })
      .returning();
    return toView(row);
  }

  async list(): Promise<CostConnection[]> {
    const rows = await this.db.select().from(costConnections).where(this.owned()).orderBy(asc(costConnections.name), asc(costConnections.createdAt));
    return rows.map(toView);
  }

  async get(id: string): Promise<CostConnection> {
    return toView(await this.getRow(id));
  }

  private async getRow(id: string): Promise<CostConnectionRow> {
    const [row] = isUuid(id) ? await this.db.select().from(costConnections).where(and(this.owned(), eq(costConnections.id, id))) : [];
    if (!row) throw notFound('CostConnection', id);
    return row;
  }

  async getSync(id: string): Promise<CostSyncRow> {
    const [row] = isUuid(id) ? await this.db.select().from(costSyncs).where(and(eq(costSyncs.orgId, this.orgId), eq(costSyncs.id, id))) : [];
    if (!row) throw notFound('CostSync', id);
    return row;
  }

  /** Newest first. */
  async listSyncs(connectionId: string, first: number, after?: string | null): Promise<Page<CostSyncRow>> {
    checkPageSize(first, this.settings.maxPageSize);
    await this.getRow(connectionId);
    const conditions = [eq(costSyncs.orgId, this.orgId), eq(costSyncs.connectionId, connectionId)];
    if (after) conditions.push(olderThan(costSyncs.createdAt, costSyncs.id, decodeTimeIdCursor(after, 'costSyncs')));
    const rows = await this.db
      .select({ row: costSyncs, at: microsecondsOf(costSyncs.createdAt) })
      .from(costSyncs)
      .where(and(...conditions))
      .orderBy(desc(costSyncs.createdAt), desc(costSyncs.id))
      .limit(first + 1);
    return rowsPage(rows, first, 'costSyncs');
  }

  /**
   * Queues a sync: the QUEUED cost_syncs row and the `costs.sync` job are written in one
   * transaction, so there is never a row without its job or a job without its row.
   */
  async requestSync(connectionId: string, window: SyncWindowInput = {}): Promise<{ sync: CostSyncRow; jobId: string }> {
    const connection = await this.getRow(connectionId);
    const { from, to } = resolveSyncWindow(window, connection.windowDays);
    const syncId = randomUUID();
    const jobId = randomUUID();
    await sqlClientOf(this.db).begin(async (tx) => {
      await tx`insert into cost_syncs (org_id, id, connection_id, job_id, window_start, window_end, status)
               values (${this.orgId}, ${syncId}, ${connection.id}, ${jobId}, ${from.toISOString()}::timestamptz, ${to.toISOString()}::timestamptz, 'QUEUED')`;
      await enqueueCostSync(tx, { orgId: this.orgId, connectionId: connection.id, from: from.toISOString(), to: to.toISOString(), syncId }, jobId);
    });
    return { sync: await this.getSync(syncId), jobId };
  }

  /**
   * Re-pulls [from, to) from Cost Management and replaces that window of this connection's costs.
   *
   * 0. Start (`start`): a queued sync whose connection is busy with another goes back to the queue
   *    instead, and the report returned is still QUEUED.
   * 1. Fetch everything first, into a temporary file (no transaction is open meanwhile; throttling
   *    waits can last minutes). A failed fetch therefore leaves the stored rows untouched.
   * 2. In ONE transaction: lock the connection, delete its rows in the window, load the fetched ones,
   *    sum them per currency, record the sync. Readers see the old rows until the commit and the new
   *    ones after it: totals never double and never dip.
   * 3. On any failure, record FAILED with a readable message (never the secret) on the sync and the
   *    connection. The report is returned either way.
   */
  async sync(connectionId: string, options: SyncOptions = {}): Promise<CostSyncRow> {
    const connection = await this.getRow(connectionId);
    const queued = options.syncId ? await this.getSync(options.syncId) : undefined;
    if (queued && queued.connectionId !== connection.id) throw notFound('CostSync', queued.id);
    // a job delivered again after its sync finished has nothing left to do
    if (queued && (queued.status === 'SUCCEEDED' || queued.status === 'FAILED')) return queued;
    const window = queued ? { from: queued.windowStart, to: queued.windowEnd } : resolveSyncWindow(options, connection.windowDays);

    const startedAt = new Date();
    const syncId = queued?.id ?? randomUUID();
    const log = (options.log ?? silentLog).child({ connectionId: connection.id, syncId });
    const started = await this.start(connection.id, syncId, window, queued === undefined, startedAt);
    if (started !== 'started') {
      if (started === 'requeued') log.info({ retryInSeconds: SYNC_BUSY_RETRY_SECONDS }, 'cost sync waits: another sync of the connection is running');
      return this.getSync(syncId);
    }
    log.info({ scope: connection.scope, from: window.from.toISOString(), to: window.to.toISOString() }, 'cost sync started');
    let requests = 0;
    let secret: string | undefined;
    let spool: CostRowSpool | undefined;
    const timeout = AbortSignal.timeout(SYNC_TIMEOUT_MS);
    try {
      const credential = this.credentialFor(connection);
      if (credential.kind === 'clientSecret') secret = credential.clientSecret;
      const client = createCostManagementClient({ credential, armEndpoint: this.settings.azureArmEndpoint, logger: log });
      // last before the transport: counts every HTTP call to ARM, 429 and 5xx retries included
      client.pipeline.addPolicy({ name: 'gctCountRequests', sendRequest: (request, next) => (requests++, next(request)) }, { afterPhase: 'Sign' });
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      const fetched = fetchAzureCosts({
        client,
        scope: connection.scope,
        from: window.from,
        to: window.to,
        groupBy: connection.groupBy ?? undefined,
        costType: connection.costType,
        signal,
        logger: log,
      });
      spool = await spoolCostRows(hashRows(fetched, connection.id, window));
      const report = await this.replaceWindow(connection, syncId, window, spool, requests, startedAt);
      log.info({ rows: report.rows, totals: report.totals, requests: report.requests, durationMs: report.durationMs }, 'cost sync succeeded');
      return report;
    } catch (error) {
      const message = (timeout.aborted ? `gave up after ${SYNC_TIMEOUT_MS / 60_000} minutes: ` : '') + describeFailure(error, secret);
      log.warn({ error: message, requests }, 'cost sync failed');
      return this.recordFailure(connection.id, syncId, message, requests, startedAt);
    } finally {
      await spool?.dispose();
    }
  }

  /**
   * Step 0 of `sync`: marks sync `syncId` RUNNING, under a per-connection lock so that two starts take turns. A sync
   * requested directly (`isNew`: its row is inserted here) always starts. A queued one starts only when its row is still
   * QUEUED and no other sync of the connection runs; when one does, it goes back to the queue, still QUEUED, under a
   * new job starting SYNC_BUSY_RETRY_SECONDS later, and its worker is free for other connections meanwhile. Syncs of
   * the connection a stopped worker left RUNNING are recorded FAILED first (failAbandoned), so they block nothing.
   */
  private async start(connectionId: string, syncId: string, window: { from: Date; to: Date }, isNew: boolean, startedAt: Date): Promise<'started' | 'requeued' | 'not queued'> {
    return sqlClientOf(this.db).begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${START_LOCK_NAMESPACE}, hashtext(${connectionId}))`;
      await failAbandoned(tx, { orgId: this.orgId, connectionId });
      if (isNew) {
        await tx`insert into cost_syncs (org_id, id, connection_id, window_start, window_end, status, started_at)
                 values (${this.orgId}, ${syncId}, ${connectionId}, ${window.from.toISOString()}::timestamptz, ${window.to.toISOString()}::timestamptz,
                         'RUNNING', ${startedAt.toISOString()}::timestamptz)`;
        return 'started';
      }
      const [own] = await tx<{ status: SyncStatus }[]>`select status from cost_syncs where org_id = ${this.orgId} and id = ${syncId} for update`;
      // finished meanwhile, or running on another worker (a job delivered twice)
      if (own?.status !== 'QUEUED') return 'not queued';
      const busy = await tx`select 1 from cost_syncs where org_id = ${this.orgId} and connection_id = ${connectionId} and status = 'RUNNING' limit 1`;
      if (busy.length > 0) {
        const jobId = randomUUID();
        await tx`update cost_syncs set job_id = ${jobId} where org_id = ${this.orgId} and id = ${syncId}`;
        const payload = { orgId: this.orgId, connectionId, from: window.from.toISOString(), to: window.to.toISOString(), syncId };
        await enqueueCostSync(tx, payload, jobId, SYNC_BUSY_RETRY_SECONDS);
        return 'requeued';
      }
      await tx`update cost_syncs set status = 'RUNNING', started_at = ${startedAt.toISOString()}::timestamptz where org_id = ${this.orgId} and id = ${syncId}`;
      return 'started';
    });
  }

  private credentialFor(connection: CostConnectionRow): AzureCredentialConfig {
    if (connection.auth === 'MANAGED_IDENTITY') return { kind: 'managedIdentity', clientId: connection.clientId ?? undefined };
    if (!connection.secretEncrypted) throw new Error('the connection has no stored client secret');
    if (!this.settings.secretKey) throw new Error(`cannot read the stored client secret: ${SECRET_KEY_SETTING} is not set on this server`);
    const authorityHost = this.settings.azureAuthorityHost;
    return {
      kind: 'clientSecret',
      tenantId: connection.tenantId ?? '',
      clientId: connection.clientId ?? '',
      clientSecret: new SecretBox(this.settings.secretKey).decrypt(connection.secretEncrypted, secretContext(connection.orgId, connection.id)),
      authorityHost,
      disableInstanceDiscovery: !KNOWN_AUTHORITY_HOSTS.has(authorityHost.replace(/\/+$/, '').toLowerCase()),
    };
  }

  /** Step 2 of `sync`: the one write transaction. */
  private async replaceWindow(connection: CostConnectionRow, syncId: string, window: { from: Date; to: Date }, spool: CostRowSpool, requests: number, startedAt: Date): Promise<CostSyncRow> {
    await sqlClientOf(this.db).begin(async (tx) => {
      // two syncs of one connection (a manual one beside a scheduled one) replace in turn, never interleaved
      await tx`select pg_advisory_xact_lock(${REPLACE_LOCK_NAMESPACE}, hashtext(${connection.id}))`;
      // the organization's bill writes take turns from before the delete on (invalidateCostDays would take the lock
      // too, but the order matters): a replacing file import deletes synced lines (services/cost-replace) while it
      // holds the lock, and would wait forever on lines this delete holds while waiting for the lock
      await lockCostWrites(tx, this.orgId);
      // dates travel as ISO text: Drizzle replaces the shared client's timestamp serializers with identity ones
      const inWindow = (t: postgres.TransactionSql) =>
        t`org_id = ${this.orgId} and source = 'azure_api' and source_id = ${connection.id}
          and charge_period_start >= ${window.from.toISOString()}::timestamptz and charge_period_start < ${window.to.toISOString()}::timestamptz`;
      // the window's days leave the explorer's rollup until the reconciliation this sync queues rebuilds them
      await invalidateCostDays(tx, this.orgId, window.from, new Date(window.to.getTime() - 1));
      await tx`delete from cost_records where ${inWindow(tx)}`;
      const loaded = await loadCostRows(tx, this.orgId, spool.rows(), { source: 'azure_api', sourceId: connection.id, batchId: syncId });
      if (loaded.inserted !== spool.count) {
        // after the delete every fetched row is new: anything else means a row would silently be missing
        throw new Error(`loaded ${loaded.inserted} of ${spool.count} fetched rows (${loaded.unchanged} collided with stored rows); nothing was replaced`);
      }
      // days replacing file imports restated are the files' (services/file-coverage): what was fetched for them goes again
      const superseded = await removeCoveredSyncedLines(tx, this.orgId, window.from, window.to, { connectionId: connection.id });
      const sums = await tx<{ currency: string; total: string; rows: number }[]>`
        select currency, sum(billed_cost)::text as total, count(*)::int as rows
        from cost_records where ${inWindow(tx)} group by currency order by currency`;
      const totals = Object.fromEntries(sums.map((s) => [s.currency.trim(), s.total]));
      const rows = sums.reduce((n, s) => n + s.rows, 0);
      await reconcileAfterIngest(tx, this.orgId, window.from, window.to, 'sync');
      const durationMs = Date.now() - startedAt.getTime();
      const supersededTotals = Object.fromEntries(superseded.totals.map((t) => [t.currency, t.amount]));
      await tx`update cost_syncs set status = 'SUCCEEDED', rows = ${rows}, totals = ${JSON.stringify(totals)}::jsonb, requests = ${requests},
               rows_superseded = ${superseded.rows}, totals_superseded = ${JSON.stringify(supersededTotals)}::jsonb,
               duration_ms = ${durationMs}, error = null, finished_at = now()
               where org_id = ${this.orgId} and id = ${syncId}`;
      await tx`update cost_connections set last_status = 'SUCCEEDED', last_sync_at = now(), last_error = null, updated_at = now()
               where org_id = ${this.orgId} and id = ${connection.id}`;
      await enqueueBudgetEvaluation(tx, this.orgId);
    });
    return this.getSync(syncId);
  }

  private async recordFailure(connectionId: string, syncId: string, message: string, requests: number, startedAt: Date): Promise<CostSyncRow> {
    const now = new Date();
    await this.db
      .update(costConnections)
      .set({ lastStatus: 'FAILED', lastSyncAt: now, lastError: message, updatedAt: now })
      .where(and(this.owned(), eq(costConnections.id, connectionId)));
    const [row] = await this.db
      .update(costSyncs)
      .set({ status: 'FAILED', error: message, requests, durationMs: now.getTime() - startedAt.getTime(), finishedAt: now })
      .where(and(eq(costSyncs.orgId, this.orgId), eq(costSyncs.id, syncId)))
      .returning();
    return row;
  }
}

/**
 * Records as FAILED (ABANDONED_SYNC_ERROR) the syncs left RUNNING longer than a sync job may run: their worker
 * stopped (a sync's fetch gives up after SYNC_TIMEOUT_MS, and pg-boss fails its job after COST_SYNC_EXPIRE_SECONDS),
 * so nothing will finish them. Their connection's status says so too, unless a sync finished after they started.
 * Of one connection (`only`), or of every organization's (the scheduled run). Returns how many there were.
 */
async function failAbandoned(sql: Sql | postgres.TransactionSql, only?: { orgId: string; connectionId: string }): Promise<number> {
  const ofConnection = only ? sql`and org_id = ${only.orgId} and connection_id = ${only.connectionId}` : sql``;
  const [{ n }] = await sql<{ n: number }[]>`
    with gone as (
      update cost_syncs set status = 'FAILED', error = ${ABANDONED_SYNC_ERROR}, finished_at = now()
      where status = 'RUNNING' and coalesce(started_at, created_at) < now() - ${COST_SYNC_EXPIRE_SECONDS} * interval '1 second' ${ofConnection}
      returning org_id, connection_id, coalesce(started_at, created_at) as started_at),
    latest as (select org_id, connection_id, max(started_at) as started_at from gone group by org_id, connection_id),
    marked as (
      update cost_connections c set last_status = 'FAILED', last_error = ${ABANDONED_SYNC_ERROR}, last_sync_at = now(), updated_at = now()
      from latest l where c.org_id = l.org_id and c.id = l.connection_id and (c.last_sync_at is null or c.last_sync_at < l.started_at)
      returning 1)
    select count(*)::int as n from gone`;
  return n;
}

/** failAbandoned for every organization: the scheduler's, before it queues the next syncs. */
export function failAbandonedSyncs(db: Db): Promise<number> {
  return failAbandoned(sqlClientOf(db));
}

/**
 * Connections the scheduler should sync now, across organizations: all of them, except those that
 * already have a sync waiting in the queue or running (a second one would pull the same days again).
 * A sync queued a day ago, or running for longer than its job may, no longer counts.
 */
export async function connectionsDueForSync(db: Db): Promise<{ orgId: string; id: string }[]> {
  return db
    .select({ orgId: costConnections.orgId, id: costConnections.id })
    .from(costConnections)
    .where(
      dsql`not exists (select 1 from ${costSyncs} s where s.org_id = ${costConnections.orgId} and s.connection_id = ${costConnections.id}
             and (s.status = 'QUEUED' and s.created_at > now() - interval '1 day'
                  or s.status = 'RUNNING' and coalesce(s.started_at, s.created_at) > now() - ${COST_SYNC_EXPIRE_SECONDS} * interval '1 second'))`,
    )
    .orderBy(asc(costConnections.orgId), asc(costConnections.id));
}
