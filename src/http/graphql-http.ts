import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { Context } from '../graphql/context.js';
import { readBody } from './body.js';
import type { RequestContext } from './router.js';
import { AppError } from '../errors.js';

/** Adapts a Node request to Apollo's transport-neutral `executeHTTPGraphQLRequest`. */
export function graphqlHandler(apollo: ApolloServer<Context>, maxBodyBytes: number, makeContext: (rc: RequestContext) => Promise<Context>) {
  return async (rc: RequestContext): Promise<void> => {
    const { req, res, url } = rc;
    // the caller's lookup (a database round trip) runs while the body arrives and Apollo parses it
    const context = makeContext(rc);
    context.catch(() => undefined);
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBody(req, maxBodyBytes);
      const type = headers.get('content-type') ?? '';
      if (type.includes('json') && raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new AppError('BAD_USER_INPUT', 'request body is not valid JSON');
        }
      } else {
        body = raw.toString('utf8');
      }
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: () => context,
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
