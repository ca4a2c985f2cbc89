import { captureWeblogEvent } from '../services/capture/weblog.js';
import { isUuid } from '../services/runs.js';
import type { JobDefinition } from './index.js';
import { requestLiveEstimate } from './live-estimate.js';
import { decodeEvent, WEBLOG_DEFERRED_QUEUE, type WeblogDeferredPayload } from './weblog-deferred-queue.js';

export const weblogDeferredJob: JobDefinition<WeblogDeferredPayload> = {
  name: WEBLOG_DEFERRED_QUEUE,
  // the handler waits in the database for the import to end, minutes for a large trace
  queue: { policy: 'standard', retryLimit: 10, retryDelay: 5, retryBackoff: true, expireInSeconds: 3600 },
  // an import's queued events all wait for its end: taken together, they are applied one after another then,
  // not one per poll (a failure retries the batch: applying an event twice changes nothing)
  work: { pollingIntervalSeconds: 0.5, batchSize: 20 },
  async handler(data, deps) {
    const d = (data ?? {}) as Partial<WeblogDeferredPayload>;
    if (typeof d.orgId !== 'string' || !isUuid(d.orgId) || typeof d.runId !== 'string' || !isUuid(d.runId) || d.event === undefined) {
      throw new Error(`${WEBLOG_DEFERRED_QUEUE} payload: orgId and runId must be uuids, with the event`);
    }
    const outcome = await captureWeblogEvent(deps.database.db, d.orgId, decodeEvent(d.event), deps.config.capture, { afterImportsOf: d.runId });
    // after the capture committed, as the weblog route does
    if (outcome.repriceDue) await requestLiveEstimate(deps.database.sql, d.orgId, outcome.runId);
    return outcome;
  },
};
