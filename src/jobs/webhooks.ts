import { ALERT_DISPATCH_QUEUE } from '../services/alert-dispatch-hook.js';
import { isUuid } from '../services/runs.js';
import { WEBHOOK_DELIVER_QUEUE, WebhookService } from '../services/webhooks.js';
import type { JobDefinition } from './index.js';

function uuids<K extends string>(queue: string, data: unknown, fields: K[]): Record<K, string> {
  const d = (data ?? {}) as Record<string, unknown>;
  for (const f of fields) if (typeof d[f] !== 'string' || !isUuid(d[f])) throw new Error(`${queue} payload: ${f} must be a uuid`);
  return d as Record<K, string>;
}

/** Queued by `raiseAlert` (in its transaction) when the organization has a channel: fans out to channels. */
export const alertDispatchJob: JobDefinition<{ orgId: string; alertId: string }> = {
  name: ALERT_DISPATCH_QUEUE,
  queue: { retryLimit: 5, retryDelay: 5, retryBackoff: true },
  async handler(data, deps) {
    const { orgId, alertId } = uuids(ALERT_DISPATCH_QUEUE, data, ['orgId', 'alertId']);
    return { deliveries: await new WebhookService(deps.database.db, orgId, deps.config).dispatch(alertId) };
  },
};

/** One POST; failing the job is what makes pg-boss retry it, with exponential backoff. */
export const webhookDeliverJob: JobDefinition<{ orgId: string; deliveryId: string }> = {
  name: WEBHOOK_DELIVER_QUEUE,
  queue: (config) => ({ retryLimit: config.webhooks.retryLimit, retryDelay: config.webhooks.retryDelaySeconds, retryBackoff: true, expireInSeconds: 300 }),
  async handler(data, deps) {
    const { orgId, deliveryId } = uuids(WEBHOOK_DELIVER_QUEUE, data, ['orgId', 'deliveryId']);
    const result = await new WebhookService(deps.database.db, orgId, deps.config).attempt(deliveryId, deps.config.webhooks);
    if (result.retry) throw new Error(`webhook delivery ${deliveryId} failed; pg-boss retries it`);
    return result;
  },
};
