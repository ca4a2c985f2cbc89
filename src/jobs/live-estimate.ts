import type postgres from 'postgres';
import { LIVE_MIN_INTERVAL_MS, LiveEstimateService } from '../services/live-estimates.js';
import { isUuid } from '../services/runs.js';
import { enqueueBudgetEvaluation } from './budget-evaluation-queue.js';
import type { JobDefinition } from './index.js';
import { sendDebouncedJob } from './send-job.js';

/** Re-prices one run (handler below); debounced per run, one slot per LIVE_MIN_INTERVAL_MS. */
export const LIVE_ESTIMATE_QUEUE = 'estimates.live';

export interface LiveEstimatePayload {
  orgId: string;
  runId: string;
}

const SLOT_SECONDS = LIVE_MIN_INTERVAL_MS / 1000;

/**
 * Asks for a live re-estimate of a run after a task finished. Any process can call it with its
 * connection, after the capture committed; bursts of completions collapse into one job per second.
 */
export function requestLiveEstimate(sql: postgres.Sql, orgId: string, runId: string): Promise<string | null> {
  return sendDebouncedJob(sql, LIVE_ESTIMATE_QUEUE, { orgId, runId } satisfies LiveEstimatePayload, SLOT_SECONDS, `${orgId}/${runId}`);
}

export const liveEstimateJob: JobDefinition<LiveEstimatePayload> = {
  name: LIVE_ESTIMATE_QUEUE,
  queue: { policy: 'standard', retryLimit: 2, retryDelay: 1, expireInSeconds: 300 },
  // live figures should follow completions closely: poll twice a second (pg-boss's minimum)
  work: { pollingIntervalSeconds: 0.5 },
  async handler(data, deps) {
    const d = (data ?? {}) as Partial<LiveEstimatePayload>;
    if (typeof d.orgId !== 'string' || !isUuid(d.orgId) || typeof d.runId !== 'string' || !isUuid(d.runId)) {
      throw new Error(`${LIVE_ESTIMATE_QUEUE} payload: orgId and runId must be uuids`);
    }
    const outcome = await new LiveEstimateService(deps.database.db, d.orgId, deps.models, deps.config.estimation).reprice(d.runId);
    // a slot's job can start right after the previous slot's (polling batches them), or a trace import into the
    // run is open: the service refused, so hand the request to the next slot instead of dropping it
    if (outcome.status === 'too-soon' || outcome.status === 'importing') await requestLiveEstimate(deps.database.sql, d.orgId, d.runId);
    // committed spend (runs in flight) counts toward budgets: a new figure is a reason to evaluate them
    if (outcome.status === 'stored') await enqueueBudgetEvaluation(deps.database.sql, d.orgId);
    return outcome.status === 'stored' ? { status: 'stored', estimateId: outcome.estimate.id, value: outcome.estimate.value } : outcome;
  },
};
