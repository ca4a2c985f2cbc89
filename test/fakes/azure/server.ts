/**
 * A local HTTPS stand-in for the two Azure services the Cost Management sync talks to:
 *  - Microsoft Entra ID (what MSAL asks for): the tenant's OpenID configuration and the v2.0 token
 *    endpoint (client-credentials grant);
 *  - ARM's Cost Management Query API: POST {scope}/providers/Microsoft.CostManagement/query,
 *    answering in the recorded response shape, paging through absolute `$skiptoken` nextLinks, and
 *    throttling (HTTP 429 + x-ms-ratelimit headers) on demand.
 *
 * MSAL's instance discovery is NOT served: MSAL sends it to the fixed host
 * login.microsoftonline.com whatever the authority, so clients of this fake must set
 * `disableInstanceDiscovery: true`.
 *
 * Clients must trust the certificate through NODE_EXTRA_CA_CERTS (read by Node at start-up only);
 * startFakeAzure refuses to start otherwise, with the command to fix it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { repoRoot } from '../../support/fixtures.js';
import { ensureTestCertificate } from './cert.js';
import { DecimalLiteral, type FakeCell, type FakeDataset } from './rows.js';

export interface RecordedRequest {
  method: string;
  /** path and query string */
  path: string;
  /** the request body; a token request's client_secret is replaced by `<redacted>` */
  body: string;
  /** arrival time, ms since the epoch with sub-ms precision */
  at: number;
  kind: 'openid-configuration' | 'token' | 'managed-identity' | 'query' | 'other';
  /** the status the fake answered with */
  status?: number;
}

export interface FakeAzureOptions {
  /** Where the TLS certificate is cached; default `<repo>/.data/test-cert`. */
  certDir?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** The only api-version the query endpoint accepts. Default 2023-11-01. */
  apiVersion?: string;
  dataset?: FakeDataset;
  /** Rows per page. Default 1000. */
  pageSize?: number;
  /** Longest period (inclusive days) one query may ask for. Default 31. */
  maxDaysPerQuery?: number;
  /** Lifetime of issued access tokens. Default 3600 s. */
  tokenLifetimeSeconds?: number;
  /** The secret App Service passes in X-IDENTITY-HEADER to its managed-identity endpoint. */
  identityHeader?: string;
}

export interface FakeAzure {
  /** https://127.0.0.1:<port> */
  url: string;
  /** what ClientSecretCredential takes as `authorityHost` */
  authorityHost: string;
  /** what CostManagementClient takes as `endpoint` */
  armEndpoint: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /**
   * An App Service style managed-identity endpoint (api-version 2019-08-01): set IDENTITY_ENDPOINT
   * to this and IDENTITY_HEADER to `identityHeader`, and ManagedIdentityCredential gets its tokens here.
   */
  identityEndpoint: string;
  identityHeader: string;
  /** every request, in arrival order */
  requests: RecordedRequest[];
  queryRequests(): RecordedRequest[];
  /** Serve rows from this dataset, filtered to each query's period, `pageSize` per page. */
  setDataset(dataset: FakeDataset, options?: { pageSize?: number }): void;
  /**
   * Serve these response bodies verbatim, one per query call (nextLinks included), in order. Only
   * a nextLink's origin is rewritten to this fake, as a reverse proxy would rewrite it: recorded
   * bodies point at https://management.azure.com.
   */
  setPages(pages: readonly unknown[], options?: { rewriteNextLinks?: boolean }): void;
  /** Answer the next `count` query calls with HTTP 429 and these headers. */
  throttleNext(count: number, headers: Record<string, string>): void;
  /**
   * Leave query calls on `scope` (e.g. `subscriptions/<id>`, any case) unanswered until the returned function
   * is called: a sync held in its fetch for as long as a test needs, with no clock involved.
   */
  holdQueries(scope: string): () => void;
  close(): Promise<void>;
}

export function defaultCertDir(): string {
  return path.join(repoRoot, '.data', 'test-cert');
}

const QUERY_PATH = /^\/(.+)\/providers\/Microsoft\.CostManagement\/query$/i;
const OPENID_PATH = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
const TOKEN_PATH = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;
const MSI_PATH = '/msi/token';
const DAY_MS = 86_400_000;

export async function startFakeAzure(options: FakeAzureOptions = {}): Promise<FakeAzure> {
  const { certPath, cert, key } = ensureTestCertificate(options.certDir ?? defaultCertDir());
  assertTrusted(certPath, cert);

  const tenantId = options.tenantId ?? '72f988bf-0000-4000-8000-00000000cafe';
  const clientId = options.clientId ?? '5e1f0c2a-1111-4222-8333-444455556666';
  const clientSecret = options.clientSecret ?? `fake-secret-${randomUUID()}`;
  const apiVersion = options.apiVersion ?? '2023-11-01';
  const maxDays = options.maxDaysPerQuery ?? 31;
  const tokenLifetime = options.tokenLifetimeSeconds ?? 3600;
  const identityHeader = options.identityHeader ?? `fake-identity-header-${randomUUID()}`;

  let dataset: FakeDataset | undefined = options.dataset;
  let pageSize = options.pageSize ?? 1000;
  let scripted: unknown[] | undefined;
  let rewriteLinks = true;
  let throttle: { remaining: number; headers: Record<string, string> } = { remaining: 0, headers: {} };
  /** held scope (lower case) -> resolves when released */
  const holds = new Map<string, Promise<void>>();
  /** issued access token -> the scope it was issued for and its expiry */
  const tokens = new Map<string, { scope: string; expiresAt: number }>();
  const requests: RecordedRequest[] = [];
  let base = '';

  const server: Server = createServer({ cert, key }, (req, res) => {
    const at = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', body, at, kind: 'other' };
      requests.push(record);
      try {
        route(req, res, body, record);
      } catch (error) {
        send(res, record, 500, { error: { code: 'FakeAzureBug', message: error instanceof Error ? error.message : String(error) } });
      }
    });
  });

  function route(req: IncomingMessage, res: ServerResponse, body: string, record: RecordedRequest): void {
    const url = new URL(req.url ?? '/', base);
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && (m = OPENID_PATH.exec(url.pathname))) {
      record.kind = 'openid-configuration';
      return openidConfiguration(res, record, m[1]);
    }
    if (req.method === 'POST' && (m = TOKEN_PATH.exec(url.pathname))) {
      record.kind = 'token';
      return token(res, record, m[1], body);
    }
    if (req.method === 'GET' && url.pathname === MSI_PATH) {
      record.kind = 'managed-identity';
      return managedIdentityToken(req, res, record, url);
    }
    if (req.method === 'POST' && (m = QUERY_PATH.exec(url.pathname))) {
      record.kind = 'query';
      const scopePath = m[1];
      const held = holds.get(scopePath.toLowerCase());
      if (!held) return query(req, res, record, scopePath, url, body);
      void held.then(() => {
        try {
          query(req, res, record, scopePath, url, body);
        } catch (error) {
          send(res, record, 500, { error: { code: 'FakeAzureBug', message: error instanceof Error ? error.message : String(error) } });
        }
      });
      return;
    }
    send(res, record, 404, { error: { code: 'NotFound', message: `the fake serves no ${req.method} ${url.pathname}` } });
  }

  function openidConfiguration(res: ServerResponse, record: RecordedRequest, tenant: string): void {
    if (tenant !== tenantId) return send(res, record, 400, aadError('invalid_tenant', 90002, `Tenant '${tenant}' not found.`));
    const authority = `${base}/${tenantId}`;
    send(res, record, 200, {
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${authority}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${base}/oidc/userinfo`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${authority}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    });
  }

  function token(res: ServerResponse, record: RecordedRequest, tenant: string, body: string): void {
    const form = new URLSearchParams(body);
    if (form.has('client_secret')) {
      form.set('client_secret', '<redacted>');
      record.body = form.toString();
    }
    const form0 = new URLSearchParams(body);
    if (tenant !== tenantId) return send(res, record, 400, aadError('invalid_request', 90002, `Tenant '${tenant}' not found.`));
    if (form0.get('grant_type') !== 'client_credentials') return send(res, record, 400, aadError('unsupported_grant_type', 70003, 'The app requested an unsupported grant type.'));
    if (form0.get('client_id') !== clientId) return send(res, record, 400, aadError('unauthorized_client', 700016, `Application with identifier '${form0.get('client_id')}' was not found in the directory.`));
    if (form0.get('client_secret') !== clientSecret) {
      return send(res, record, 401, aadError('invalid_client', 7000215, 'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.'));
    }
    const scope = form0.get('scope') ?? '';
    const accessToken = `fake-arm-token-${randomUUID()}`;
    tokens.set(accessToken, { scope, expiresAt: Date.now() + tokenLifetime * 1000 });
    send(res, record, 200, { token_type: 'Bearer', expires_in: tokenLifetime, ext_expires_in: tokenLifetime, access_token: accessToken });
  }

  function managedIdentityToken(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, url: URL): void {
    if (req.headers['x-identity-header'] !== identityHeader) {
      return send(res, record, 401, { statusCode: 401, message: 'X-IDENTITY-HEADER is missing or wrong' });
    }
    const resource = url.searchParams.get('resource');
    if (url.searchParams.get('api-version') !== '2019-08-01' || !resource) {
      return send(res, record, 400, { statusCode: 400, message: 'api-version 2019-08-01 and resource are required' });
    }
    const accessToken = `fake-mi-token-${randomUUID()}`;
    const expiresOn = Math.floor(Date.now() / 1000) + tokenLifetime;
    tokens.set(accessToken, { scope: `${resource.replace(/\/+$/, '')}/.default`, expiresAt: expiresOn * 1000 });
    send(res, record, 200, { access_token: accessToken, expires_on: String(expiresOn), resource, token_type: 'Bearer', client_id: clientId });
  }

  function query(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, scopePath: string, url: URL, body: string): void {
    const auth = req.headers.authorization ?? '';
    const issued = auth.startsWith('Bearer ') ? tokens.get(auth.slice(7)) : undefined;
    if (!issued || issued.expiresAt < Date.now()) {
      return send(res, record, 401, { error: { code: 'InvalidAuthenticationToken', message: 'The access token is invalid.' } });
    }
    if (issued.scope.split(' ').every((s) => s !== `${base}/.default`)) {
      return send(res, record, 401, { error: { code: 'InvalidAuthenticationTokenAudience', message: `The access token was issued for '${issued.scope}', not '${base}/.default'.` } });
    }
    if (url.searchParams.get('api-version') !== apiVersion) {
      return send(res, record, 400, { error: { code: 'InvalidApiVersionParameter', message: `The api-version '${url.searchParams.get('api-version')}' is invalid. The supported versions are '${apiVersion}'.` } });
    }
    if (throttle.remaining > 0) {
      throttle.remaining--;
      return send(res, record, 429, { error: { code: '429', message: 'Too many requests. Please retry.' } }, throttle.headers);
    }

    let definition: QueryBody;
    try {
      definition = parseQueryBody(body);
    } catch (error) {
      return send(res, record, 400, { error: { code: 'BadRequest', message: `Invalid query definition: ${(error as Error).message}` } });
    }

    if (scripted) {
      const next = scripted.shift();
      if (next === undefined) return send(res, record, 500, { error: { code: 'FakeAzureBug', message: 'no scripted page left' } });
      return send(res, record, 200, rewriteLinks ? rewriteNextLink(next) : next);
    }
    if (!dataset) return send(res, record, 500, { error: { code: 'FakeAzureBug', message: 'no dataset configured' } });
    if (definition.dataset.granularity !== 'Daily') {
      return send(res, record, 400, { error: { code: 'BadRequest', message: `the fake serves daily rows only, not granularity ${definition.dataset.granularity}` } });
    }
    const days = (definition.toDay - definition.fromDay) / DAY_MS + 1;
    if (days > maxDays) {
      return send(res, record, 400, { error: { code: 'BadRequest', message: `Invalid query definition: the time period spans ${days} days; at most ${maxDays} are allowed with daily granularity.` } });
    }

    // paging state travels in the $skiptoken, bound to the query body it was issued for
    const bodyHash = canonicalHash(JSON.parse(body));
    let offset = 0;
    const skipToken = url.searchParams.get('$skiptoken');
    if (skipToken !== null) {
      let decoded: { o: number; h: string };
      try {
        decoded = JSON.parse(Buffer.from(skipToken, 'base64url').toString('utf8'));
      } catch {
        return send(res, record, 400, { error: { code: 'BadRequest', message: 'Invalid $skiptoken.' } });
      }
      if (decoded.h !== bodyHash) {
        return send(res, record, 400, { error: { code: 'BadRequest', message: 'Invalid query definition, Dataset is invalid or not supplied (nextLink body differs from the query that issued it).' } });
      }
      offset = decoded.o;
    }

    const dateCol = dataset.columns.findIndex((c) => c.name === 'UsageDate');
    const inPeriod = dataset.rows.filter((row) => {
      if (dateCol < 0) return true;
      const day = usageDateToMs(row[dateCol]);
      return day >= definition.fromDay && day <= definition.toDay;
    });
    const page = inPeriod.slice(offset, offset + pageSize);
    const more = offset + pageSize < inPeriod.length;
    const nextLink = more
      ? `${base}/${scopePath}/providers/Microsoft.CostManagement/query?api-version=${apiVersion}&$skiptoken=${Buffer.from(JSON.stringify({ o: offset + pageSize, h: bodyHash })).toString('base64url')}`
      : null;
    const name = randomUUID();
    send(
      res,
      record,
      200,
      {
        id: `${scopePath}/providers/Microsoft.CostManagement/Query/${name}`,
        name,
        type: 'microsoft.costmanagement/Query',
        properties: { nextLink, columns: dataset.columns, rows: page },
      },
      { 'x-ms-ratelimit-microsoft.costmanagement-qpu-consumed': '1' },
    );
  }

  function rewriteNextLink(page: unknown): unknown {
    const copy = structuredClone(page) as { properties?: { nextLink?: unknown } };
    const link = copy?.properties?.nextLink;
    if (typeof link === 'string') {
      const u = new URL(link);
      copy.properties!.nextLink = `${base}${u.pathname}${u.search}`;
    }
    return copy;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    authorityHost: base,
    armEndpoint: base,
    tenantId,
    clientId,
    clientSecret,
    identityEndpoint: `${base}${MSI_PATH}`,
    identityHeader,
    requests,
    queryRequests: () => requests.filter((r) => r.kind === 'query'),
    setDataset(next, opts) {
      dataset = next;
      scripted = undefined;
      if (opts?.pageSize !== undefined) pageSize = opts.pageSize;
    },
    setPages(pages, opts) {
      scripted = [...pages];
      rewriteLinks = opts?.rewriteNextLinks ?? true;
    },
    throttleNext(count, headers) {
      throttle = { remaining: count, headers };
    },
    holdQueries(scope) {
      const key = scope.replace(/^\/+|\/+$/g, '').toLowerCase();
      let release!: () => void;
      holds.set(key, new Promise<void>((resolve) => (release = resolve)));
      return () => {
        holds.delete(key);
        release();
      };
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // MSAL and the SDK keep connections alive; without this close() waits for their idle timeout
        server.closeAllConnections();
      });
    },
  };
}

interface QueryBody {
  dataset: { granularity?: string };
  fromDay: number;
  toDay: number;
}

/** The checks the real service makes on a query body, as far as the fake needs them. */
function parseQueryBody(body: string): QueryBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error('Dataset is invalid or not supplied (body is not JSON).');
  }
  const q = parsed as { type?: unknown; timeframe?: unknown; timePeriod?: { from?: unknown; to?: unknown }; dataset?: { granularity?: string; aggregation?: object; grouping?: unknown[] } };
  if (!q.dataset || typeof q.dataset !== 'object') throw new Error('Dataset is invalid or not supplied.');
  if (!['ActualCost', 'AmortizedCost', 'Usage'].includes(String(q.type))) throw new Error(`type '${String(q.type)}' is not supported.`);
  if (q.timeframe !== 'Custom') throw new Error(`the fake only serves timeframe Custom, got '${String(q.timeframe)}'.`);
  const from = Date.parse(String(q.timePeriod?.from));
  const to = Date.parse(String(q.timePeriod?.to));
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new Error('timePeriod.from and timePeriod.to are required with timeframe Custom.');
  if (to < from) throw new Error('timePeriod.to is before timePeriod.from.');
  if (Object.keys(q.dataset.aggregation ?? {}).length > 2) throw new Error('at most 2 aggregations are allowed.');
  if ((q.dataset.grouping ?? []).length > 2) throw new Error('at most 2 groupings are allowed.');
  // both ends are inclusive and count by the UTC day they fall on
  return { dataset: q.dataset, fromDay: Math.floor(from / DAY_MS) * DAY_MS, toDay: Math.floor(to / DAY_MS) * DAY_MS };
}

function usageDateToMs(cell: FakeCell): number {
  const n = Number(cell instanceof DecimalLiteral ? cell.text : cell);
  return Date.UTC(Math.floor(n / 10000), (Math.floor(n / 100) % 100) - 1, n % 100);
}

function canonicalHash(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('base64url').slice(0, 16);
}

function aadError(error: string, code: number, description: string): object {
  const traceId = randomUUID();
  return {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: traceId,
    correlation_id: randomUUID(),
  };
}

/** JSON with DecimalLiterals written as bare number literals, digit for digit. */
function renderJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => (v instanceof DecimalLiteral ? `@@dec:${v.text}@@` : v));
  return json.replace(/"@@dec:(-?\d+(?:\.\d+)?)@@"/g, '$1');
}

function send(res: ServerResponse, record: RecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
  record.status = status;
  const text = renderJson(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-ms-request-id': randomUUID(),
    ...headers,
  });
  res.end(text);
}

function assertTrusted(certPath: string, cert: string): void {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  let trusted = false;
  if (extra) {
    try {
      trusted = readFileSync(extra, 'utf8').includes(cert.trim());
    } catch {
      trusted = false;
    }
  }
  if (!trusted) {
    throw new Error(
      `the fake Azure's certificate is not trusted by this process: NODE_EXTRA_CA_CERTS is ${extra ? JSON.stringify(extra) : 'unset'}. ` +
        `Node reads it only at start-up; run the tests as NODE_EXTRA_CA_CERTS=${certPath} node --test …`,
    );
  }
}
