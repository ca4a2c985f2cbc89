import type { CostManagementClient, QueryDefinition, QueryGrouping } from '@azure/arm-costmanagement';
import { isRestError } from '@azure/core-rest-pipeline';
import type { CostRow } from '../costs/cost-row.js';
import { parseScope } from './azure-ids.js';
import { silentLogger, urlForLog, type AzureIngestLogger } from './log.js';
import { GROUPING_DIMENSION_FIELDS, isSupportedGroupingDimension, mapQueryPage, type CostType, type QueryPage } from './map-rows.js';
import { CostQueryError, fetchNextQueryPage } from './next-page.js';
import { MAX_DAILY_WINDOW_DAYS, splitIntoDayWindows, toQueryTimePeriod, type DayWindow } from './windows.js';

export interface CostQueryRequestInfo {
  window: DayWindow;
  /** 1 for the query itself, 2… for the nextLinks that follow it */
  page: number;
  /** the nextLink being followed (origin and path only); undefined for page 1 */
  url?: string;
}

export interface FetchAzureCostsOptions {
  client: CostManagementClient;
  /** e.g. `subscriptions/<id>` or `providers/Microsoft.Billing/billingAccounts/<id>` */
  scope: string;
  /** Half-open [from, to), UTC midnights. */
  from: Date;
  to: Date;
  /** The second grouping besides ResourceId (the API allows two). */
  groupBy?: { type: 'Dimension' | 'TagKey'; name: string };
  costType?: CostType;
  signal?: AbortSignal;
  /** Called before every HTTP call (query or nextLink). */
  onRequest?: (info: CostQueryRequestInfo) => void;
  logger?: AzureIngestLogger;
  /** Days per query, default (and maximum) 31. */
  maxWindowDays?: number;
}

/**
 * Actual (or amortized) daily cost per resource for [from, to), as CostRows, via the Query API:
 * one query per ≤31-day window, each followed through every nextLink, since the service cuts
 * answers into pages and, unless asked for the next one, silently drops the rest.
 */
export async function* fetchAzureCosts(opts: FetchAzureCostsOptions): AsyncGenerator<CostRow> {
  const scope = parseScope(opts.scope);
  const costType = opts.costType ?? 'ActualCost';
  const logger = opts.logger ?? silentLogger;
  const maxDays = opts.maxWindowDays ?? MAX_DAILY_WINDOW_DAYS;
  if (maxDays > MAX_DAILY_WINDOW_DAYS) throw new RangeError(`maxWindowDays ${maxDays} exceeds the API's ${MAX_DAILY_WINDOW_DAYS} days at daily granularity`);
  const grouping = buildGrouping(opts.groupBy);

  for (const window of splitIntoDayWindows(opts.from, opts.to, maxDays)) {
    const definition: QueryDefinition = {
      type: costType,
      timeframe: 'Custom',
      timePeriod: toQueryTimePeriod(window),
      dataset: {
        granularity: 'Daily',
        // Both sums: `Cost` is in the billing currency (the `Currency` column), `CostUSD` a fallback
        // for scopes that report only USD. Results name columns by source column, not by these aliases.
        aggregation: {
          totalCost: { name: 'Cost', function: 'Sum' },
          totalCostUSD: { name: 'CostUSD', function: 'Sum' },
        },
        grouping,
      },
    };

    opts.signal?.throwIfAborted();
    opts.onRequest?.({ window, page: 1 });
    let origin: string | undefined;
    let first: Awaited<ReturnType<CostManagementClient['query']['usage']>>;
    try {
      first = await opts.client.query.usage(scope.path, definition, {
        abortSignal: opts.signal,
        // the nextLinks must lead back to where this went; the pipeline knows the final URL
        onResponse: (raw) => {
          origin = new URL(raw.request.url).origin;
        },
      });
    } catch (error) {
      // the SDK's RestError carries the service's message but not which query it was
      if (!isRestError(error)) throw error;
      throw new CostQueryError(
        `Cost Management query ${scope.path} [${isoDay(window.from)}, ${isoDay(window.to)}) failed: ${error.statusCode ?? 'no status'}${error.code ? ` ${error.code}` : ''}: ${error.message}`,
        error.statusCode ?? 0,
        error.code,
        error.response?.headers.get('x-ms-request-id') ?? undefined,
        { cause: error },
      );
    }
    if (!origin) throw new Error('Cost Management query returned without a response URL');
    let page: QueryPage = { columns: first.columns ?? [], rows: first.rows ?? [], nextLink: first.nextLink ?? null };

    for (let n = 1; ; n++) {
      const rows = mapQueryPage(page, { scope, window, costType, page: n });
      logger.debug({ scope: scope.path, from: window.from, to: window.to, page: n, rows: rows.length }, 'Cost Management page received');
      yield* rows;
      if (!page.nextLink) break;
      opts.signal?.throwIfAborted();
      opts.onRequest?.({ window, page: n + 1, url: urlForLog(page.nextLink) });
      page = await fetchNextQueryPage(opts.client, page.nextLink, definition, { allowedOrigin: origin, signal: opts.signal });
    }
  }
}

function buildGrouping(groupBy: FetchAzureCostsOptions['groupBy']): QueryGrouping[] {
  const grouping: QueryGrouping[] = [{ type: 'Dimension', name: 'ResourceId' }];
  if (!groupBy) return grouping;
  if (groupBy.type === 'Dimension' && !isSupportedGroupingDimension(groupBy.name)) {
    throw new Error(`groupBy dimension ${JSON.stringify(groupBy.name)} has no CostRow field; use one of ${Object.keys(GROUPING_DIMENSION_FIELDS).join(', ')} or a TagKey`);
  }
  if (groupBy.type === 'TagKey' && groupBy.name.trim() === '') throw new Error('groupBy TagKey name is empty');
  grouping.push({ type: groupBy.type, name: groupBy.name });
  return grouping;
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}
