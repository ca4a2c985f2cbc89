/**
 * One webhook POST over node:http(s), which (unlike fetch) lets the connection's address lookup be
 * replaced: that is where private targets are refused (webhook-target.ts). No redirects are followed
 * (a 3xx is a failed delivery: a redirect could lead anywhere).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { namesPrivateHost, PrivateTargetError, publicOnlyLookup } from './webhook-target.js';

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

/** Resolves to the response's status code; rejects on a network error, a refused target or the timeout (TimeoutError). */
export function postWebhook(rawUrl: string, options: PostOptions): Promise<number> {
  const url = new URL(rawUrl);
  if (!options.allowPrivate && namesPrivateHost(url)) return Promise.reject(new PrivateTargetError(url.hostname));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
        signal: AbortSignal.timeout(options.timeoutMs),
        ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
      },
      (res) => {
        // the body is not needed; draining it frees the connection
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', (err) => reject(err.name === 'AbortError' && (err as { cause?: Error }).cause?.name === 'TimeoutError' ? (err as { cause: Error }).cause : err));
    req.end(options.body);
  });
}
