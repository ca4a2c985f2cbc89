import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalidValueError } from '../db/invalid-value.js';
import { AppError, httpStatusOf } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Cors } from './cors.js';
import { Router, sendJson } from './router.js';

/** Checks for /readyz: each resolves when its dependency answers. */
export type Readiness = Record<string, () => Promise<unknown>>;

/** GET /healthz (the process answers) and GET /readyz (each dependency answers within 2 s). */
export function mountHealth(router: Router, readiness: Readiness, log: Logger): Router {
  return router
    .on('GET', '/healthz', async ({ res }) => sendJson(res, 200, { status: 'ok' }))
    .on('GET', '/readyz', async ({ res }) => {
      const checks = await Promise.all(
        Object.entries(readiness).map(async ([name, check]) => {
          try {
            await withTimeout(check(), 2000);
            return [name, 'ok'] as const;
          } catch (err) {
            // the reason goes to the log, not to an unauthenticated caller (it can name hosts and ports)
            log.warn({ err, check: name }, 'readiness check failing');
            return [name, 'failing'] as const;
          }
        }),
      );
      const ready = checks.every(([, state]) => state === 'ok');
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(checks) });
    });
}

/**
 * The request listener every HTTP server of the app uses: a request id, one log line per request, CORS
 * where configured, the route, and errors as JSON (an AppError's code and status; a value Postgres refused as BAD_USER_INPUT;
 * anything else a 500 that names only the request id).
 */
export function routerListener(router: Router, log: Logger, cors?: Cors): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = headerValue(req.headers['x-request-id']) ?? randomUUID();
    res.setHeader('x-request-id', requestId);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const reqLog = log.child({ reqId: requestId });
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      reqLog.info({ method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    const handler = router.match(req.method ?? 'GET', url.pathname);
    if (cors?.handle(req, res, handler !== undefined)) return;
    if (handler === undefined) return sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `no endpoint ${url.pathname}` } });
    if (handler === null) return sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} not allowed on ${url.pathname}` } });
    handler({ req, res, url, requestId, log: reqLog }).catch((err: unknown) => {
      if (res.headersSent) {
        reqLog.error({ err }, 'error after response started');
        res.destroy();
        return;
      }
      const invalid = err instanceof AppError ? null : invalidValueError(err);
      if (invalid) reqLog.warn({ err }, 'Postgres refused a value that no input check caught');
      const known = err instanceof AppError ? err : invalid;
      if (known) {
        sendJson(res, httpStatusOf(known.code), { error: { code: known.code, message: known.message, ...known.details } });
      } else {
        reqLog.error({ err }, 'unhandled error');
        sendJson(res, 500, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'internal error', requestId } });
      }
    });
  };
}

/** Listens on `port` and `host`; resolves with the port bound (port 0 picks one). */
export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export interface HealthServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A worker process (GCT_ROLE=worker) serves no API, but an orchestrator still needs to ask it whether it
 * lives and reaches its database and queue: /healthz and /readyz alone, on PORT.
 */
export async function startHealthServer(opts: { port: number; host: string; readiness: Readiness; log: Logger }): Promise<HealthServer> {
  const server = createServer(routerListener(mountHealth(new Router(), opts.readiness, opts.log), opts.log));
  const port = await listen(server, opts.port, opts.host);
  opts.log.info({ url: `http://localhost:${port}/healthz` }, 'worker health checks listening');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([closed, delay(5_000).then(() => server.closeAllConnections())]);
    },
  };
}

const headerValue = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());
const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);
