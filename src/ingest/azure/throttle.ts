import type { HttpHeaders, Pipeline, PipelinePolicy, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { sleep as abortableSleep, type AbortSignalLike } from './abort.js';
import { silentLogger, urlForLog, type AzureIngestLogger } from './log.js';
import type { QpuBudget } from './qpu-budget.js';

export const costManagementThrottlePolicyName = 'costManagementThrottlePolicy';
/** core-rest-pipeline names its default retry policy so, but does not export the constant at its top level. */
const DEFAULT_RETRY_POLICY_NAME = 'defaultRetryPolicy';

/**
 * The service's "wait" headers on a 429, in seconds. Cost Management sends several, one per quota it
 * enforces (QPU, entity, tenant; the Consumption RP its own), and only the longest is safe: retrying
 * after a shorter one is refused again and burns quota.
 */
const SECONDS_HEADER = /^x-ms-ratelimit-microsoft\.(costmanagement|consumption)-.*retry-after$/;
const MS_HEADERS = new Set(['retry-after-ms', 'x-ms-retry-after-ms']);

/** The longest wait any throttling header asks for, in ms; undefined if none is present or parseable. */
export function longestRetryAfterMs(headers: HttpHeaders, now: number = Date.now()): number | undefined {
  let longest: number | undefined;
  const consider = (ms: number): void => {
    if (Number.isFinite(ms) && ms >= 0) longest = Math.max(longest ?? 0, ms);
  };
  for (const [rawName, value] of headers) {
    const name = rawName.toLowerCase();
    if (SECONDS_HEADER.test(name)) consider(parseSeconds(value));
    else if (MS_HEADERS.has(name)) consider(Number(value.trim()));
    else if (name === 'retry-after') {
      // RFC 9110: delay-seconds or an HTTP-date
      const seconds = parseSeconds(value);
      if (Number.isFinite(seconds)) consider(seconds);
      else {
        const at = Date.parse(value);
        if (Number.isFinite(at)) consider(Math.max(0, at - now));
      }
    }
  }
  return longest;
}

function parseSeconds(value: string): number {
  const v = value.trim();
  return /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Number.NaN;
}

/** Still throttled after every allowed attempt, or told to wait longer than we are willing to. */
export class CostManagementThrottledError extends Error {
  override readonly name = 'CostManagementThrottledError';
  readonly statusCode = 429;
  constructor(
    message: string,
    readonly attempts: number,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

export interface ThrottlePolicyOptions {
  /** Attempts in total, the first included. Default 6. */
  maxAttempts?: number;
  /** Give up at once if the service asks for a longer wait (an exhausted hourly quota). Default 5 min. */
  maxWaitMs?: number;
  /** Wait when a 429 carries no usable header: this × 2^(attempt-1). Default 5 s. */
  fallbackWaitMs?: number;
  /** Client-side QPU budget, taken once per attempt; shared by every client of one tenant. */
  budget?: QpuBudget;
  logger?: AzureIngestLogger;
  sleep?: (ms: number, signal?: AbortSignalLike) => Promise<void>;
}

const QUERY_PATH = /\/providers\/microsoft\.costmanagement\/query$/i;

/** Cost Management query calls (first pages and nextLinks alike); every other request passes untouched. */
export function isCostManagementQuery(url: string): boolean {
  try {
    return QUERY_PATH.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/**
 * A pipeline policy that waits out Cost Management throttling: on 429 it sleeps for the LONGEST of
 * the retry-after headers, then resends, a bounded number of times, honouring the request's abort
 * signal. Before every attempt it takes one QPU from the budget.
 */
export function costManagementThrottlePolicy(options: ThrottlePolicyOptions = {}): PipelinePolicy {
  const maxAttempts = options.maxAttempts ?? 6;
  const maxWaitMs = options.maxWaitMs ?? 5 * 60_000;
  const fallbackWaitMs = options.fallbackWaitMs ?? 5_000;
  const logger = options.logger ?? silentLogger;
  const sleep = options.sleep ?? abortableSleep;
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) throw new RangeError(`maxAttempts must be an integer >= 1, got ${maxAttempts}`);

  return {
    name: costManagementThrottlePolicyName,
    async sendRequest(request: PipelineRequest, next): Promise<PipelineResponse> {
      if (!isCostManagementQuery(request.url)) return next(request);
      for (let attempt = 1; ; attempt++) {
        await options.budget?.acquire(1, request.abortSignal);
        const response = await next(request);
        if (response.status !== 429) return response;

        const asked = longestRetryAfterMs(response.headers);
        const waitMs = asked ?? fallbackWaitMs * 2 ** (attempt - 1);
        const where = urlForLog(request.url);
        if (attempt >= maxAttempts) {
          throw new CostManagementThrottledError(
            `Cost Management still throttling (HTTP 429) ${where} after ${attempt} attempts; it asks to wait ${Math.ceil(waitMs / 1000)} s more`,
            attempt,
            waitMs,
          );
        }
        if (waitMs > maxWaitMs) {
          throw new CostManagementThrottledError(
            `Cost Management throttled ${where} and asks to wait ${Math.ceil(waitMs / 1000)} s, longer than the allowed ${Math.ceil(maxWaitMs / 1000)} s (quota exhausted?)`,
            attempt,
            waitMs,
          );
        }
        options.budget?.blockFor(waitMs);
        logger.warn({ url: where, attempt, waitMs, fromHeaders: asked !== undefined }, 'Cost Management throttled the query; waiting before retrying');
        await sleep(waitMs, request.abortSignal);
      }
    },
  };
}

/**
 * Puts the throttle policy into a client's pipeline, inside the SDK's default retry policy.
 *
 * Why there: the default retry policy (core-rest-pipeline 1.x, via @typespec/ts-http-runtime) has a
 * throttling strategy that, on 429, reads only `Retry-After` / `retry-after-ms` /
 * `x-ms-retry-after-ms` and retries after THAT; it ignores the
 * `x-ms-ratelimit-microsoft.costmanagement-*-retry-after` headers, so it would come back too early
 * whenever `Retry-After` is shorter than the QPU/entity wait (and without `Retry-After` it does not
 * retry a 429 at all). Placed after it in the Retry phase, this policy sits nearer the transport and
 * sees every 429 first; the default policy only ever sees the final answer. When this policy gives
 * up it throws CostManagementThrottledError, which is not a RestError, and the retry policy rethrows
 * non-RestErrors untouched, so the two never multiply their attempts. 5xx and network errors remain
 * the default policy's job.
 */
export function addThrottlePolicy(pipeline: Pipeline, options: ThrottlePolicyOptions = {}): void {
  pipeline.removePolicy({ name: costManagementThrottlePolicyName });
  const hasDefaultRetry = pipeline.getOrderedPolicies().some((p) => p.name === DEFAULT_RETRY_POLICY_NAME);
  pipeline.addPolicy(
    costManagementThrottlePolicy(options),
    hasDefaultRetry ? { phase: 'Retry', afterPolicies: [DEFAULT_RETRY_POLICY_NAME] } : { phase: 'Retry' },
  );
}
