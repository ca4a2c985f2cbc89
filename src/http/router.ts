import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  requestId: string;
  log: Logger;
}

export type Handler = (ctx: RequestContext) => Promise<void>;

/** Exact-path routing: the API has a handful of fixed endpoints, so no pattern matching is needed. */
export class Router {
  private readonly routes = new Map<string, Map<string, Handler>>();

  on(method: string | string[], path: string, handler: Handler): this {
    const byMethod = this.routes.get(path) ?? new Map<string, Handler>();
    for (const m of [method].flat()) byMethod.set(m.toUpperCase(), handler);
    this.routes.set(path, byMethod);
    return this;
  }

  /** undefined: no such path; null: the path exists but not for this method. */
  match(method: string, path: string): Handler | null | undefined {
    const byMethod = this.routes.get(path);
    if (!byMethod) return undefined;
    return byMethod.get(method.toUpperCase()) ?? null;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
