import type { CostManagementClient, QueryDefinition } from '@azure/arm-costmanagement';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { urlForLog } from './log.js';
import type { QueryPage } from './map-rows.js';

/** A Cost Management call that answered with an error status. */
export class CostQueryError extends Error {
  override readonly name = 'CostQueryError';
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string | undefined,
    readonly requestId: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Fetches the page a `nextLink` points to.
 *
 * SDK 1.0.0-beta.2 has no paging for Query_Usage (the REST spec does not mark it x-ms-pageable and
 * `QueryUsageOptionalParams` takes no $skiptoken), yet the service truncates each answer and hands
 * back a nextLink carrying `$skiptoken`. The service wants that URL POSTed with the SAME query body;
 * without it it answers 400 "Dataset is invalid or not supplied". The request goes through
 * `client.sendRequest`, i.e. the client's own pipeline: bearer token, api-version, default retry and
 * our throttle policy all apply exactly as to the first page.
 *
 * The link must stay on the origin the first page came from: the bearer token goes wherever it points.
 */
export async function fetchNextQueryPage(
  client: CostManagementClient,
  nextLink: string,
  definition: QueryDefinition,
  options: { allowedOrigin: string; signal?: AbortSignal },
): Promise<QueryPage> {
  let url: URL;
  try {
    url = new URL(nextLink);
  } catch {
    throw new Error(`Cost Management returned a nextLink that is not a URL: ${JSON.stringify(nextLink.slice(0, 200))}`);
  }
  if (url.origin !== options.allowedOrigin) {
    throw new Error(`Cost Management nextLink points to ${url.origin}, not to ${options.allowedOrigin} where the query was sent; refusing to send the token there`);
  }

  const request = createPipelineRequest({
    url: url.toString(),
    method: 'POST',
    // JSON.stringify writes Dates as toISOString(), as the SDK's DateTime serializer does, and
    // QueryDefinition's property names are its wire names: this is the body the first page sent.
    body: JSON.stringify(definition),
    headers: createHttpHeaders({ 'content-type': 'application/json; charset=utf-8', accept: 'application/json' }),
    abortSignal: options.signal,
  });
  const response = await client.sendRequest(request);
  const requestId = response.headers.get('x-ms-request-id') ?? undefined;
  if (response.status === 204) return { columns: [], rows: [], nextLink: null };

  let body: unknown;
  try {
    body = response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined;
  } catch {
    body = undefined;
  }
  if (response.status !== 200) {
    const error = isObject(body) && isObject(body.error) ? body.error : {};
    const code = typeof error.code === 'string' ? error.code : undefined;
    const message = typeof error.message === 'string' ? error.message : `HTTP ${response.status}`;
    throw new CostQueryError(
      `Cost Management nextLink ${urlForLog(url.toString())} failed: ${response.status}${code ? ` ${code}` : ''}: ${message}`,
      response.status,
      code,
      requestId,
    );
  }
  const properties = isObject(body) && isObject(body.properties) ? body.properties : undefined;
  if (!properties || !Array.isArray(properties.columns) || !Array.isArray(properties.rows)) {
    throw new CostQueryError(`Cost Management nextLink ${urlForLog(url.toString())} answered 200 without properties.columns/rows`, 200, undefined, requestId);
  }
  return {
    columns: properties.columns as QueryPage['columns'],
    rows: properties.rows as QueryPage['rows'],
    nextLink: typeof properties.nextLink === 'string' ? properties.nextLink : null,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
