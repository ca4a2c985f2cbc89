import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Cross-origin calls from browsers (CORS) for the origins GCT_CORS_ORIGINS names. The API authenticates
 * with a bearer token or API key the page sends itself, never with a cookie, so no credentials mode is
 * offered and `*` is safe to allow: a page elsewhere gains nothing the browser would add on its own.
 */
export interface Cors {
  /**
   * Sets the response headers for an allowed origin. Answers a preflight (OPTIONS with
   * Access-Control-Request-Method) itself and returns true; the request is then done.
   */
  handle(req: IncomingMessage, res: ServerResponse, pathExists: boolean): boolean;
}

const ALLOWED_METHODS = 'GET, POST';
// what the API reads from a request besides the CORS-safelisted ones; Apollo's CSRF prevention refuses a
// GET /graphql (it has no content type) that carries neither apollo-require-preflight nor x-apollo-operation-name
const ALLOWED_HEADERS = 'authorization, content-type, content-encoding, x-request-id, apollo-require-preflight, x-apollo-operation-name';
// what a page may read from an answer besides the safelisted ones
const EXPOSED_HEADERS = 'x-request-id, content-disposition';

export function corsFor(origins: readonly string[]): Cors | undefined {
  if (origins.length === 0) return undefined;
  const any = origins.includes('*');
  const allowed = new Set(origins);
  return {
    handle(req, res, pathExists) {
      const origin = req.headers.origin;
      const permitted = origin !== undefined && (any || allowed.has(origin));
      if (permitted) {
        res.setHeader('access-control-allow-origin', any ? '*' : origin);
        res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      }
      // the answer depends on the Origin header: a shared cache must not serve one origin's answer to another
      if (!any) res.appendHeader('vary', 'Origin');
      if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
      if (permitted && pathExists) {
        res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
        res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
        res.setHeader('access-control-max-age', '600');
      }
      // without the allow headers the browser refuses the call; the preflight itself is no error
      res.writeHead(pathExists ? 204 : 404).end();
      return true;
    },
  };
}
