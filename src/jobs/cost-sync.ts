import { CostConnectionService, connectionsDueForSync, failAbandonedSyncs } from '../services/cost-connections.js';
import { isUuid } from '../services/runs.js';
import { COST_SYNC_ALL_QUEUE, COST_SYNC_EXPIRE_SECONDS, COST_SYNC_QUEUE, type CostSyncPayload } from './cost-sync-queue.js';
import type { JobDefinition } from './index.js';
import { errorText } from '../db/query-error.js';

export { COST_SYNC_ALL_QUEUE, COST_SYNC_QUEUE, type CostSyncPayload };

function parsePayload(data: unknown): CostSyncPayload {
  const d = (data ?? {}) as Record<string, unknown>;
  for (const field of ['orgId', 'connectionId', 'syncId'] as const) {
    if (typeof d[field] !== 'string' || !isUuid(d[field])) throw new Error(`${COST_SYNC_QUEUE} payload: ${field} must be a uuid`);
  }
  return d as unknown as CostSyncPayload;
}

/**
 * One sync of one connection. At most one sync per connection runs at a time, across every worker:
 * the sync claims its connection (CostConnectionService.sync), and one whose connection is busy goes
 * back to the queue for a little later, still QUEUED. Not pg-boss's `singleton` policy: its fetch
 * stalls on a second queued job of a busy connection, and every other connection's sync waits behind it.
 * No retries: a failed sync is recorded (FAILED, with its error) and the next scheduled one tries again.
 */
export const costSyncJob: JobDefinition<CostSyncPayload> = {
  name: COST_SYNC_QUEUE,
  queue: { policy: 'standard', retryLimit: 0, expireInSeconds: COST_SYNC_EXPIRE_SECONDS },
  async handler(data, deps) {
    const payload = parsePayload(data);
    const service = new CostConnectionService(deps.database.db, payload.orgId, deps.config);
    const report = await service.sync(payload.connectionId, { syncId: payload.syncId, log: deps.log });
    // failing the job too makes pg-boss show it; the message is the recorded, secret-free one
    if (report.status === 'FAILED') throw new Error(report.error ?? 'cost sync failed');
    if (report.status === 'QUEUED') return { syncId: report.id, status: report.status, requeuedAs: report.jobId };
    return { syncId: report.id, status: report.status, rows: report.rows, totals: report.totals };
  },
};

/**
 * Scheduled (GCT_COST_SYNC_CRON): records the syncs stopped workers left RUNNING as FAILED, then
 * queues one sync of its default window per connection.
 */
export const costSyncAllJob: JobDefinition = {
  name: COST_SYNC_ALL_QUEUE,
  cron: (config) => config.costSyncCron,
  async handler(_data, deps) {
    const abandoned = await failAbandonedSyncs(deps.database.db);
    if (abandoned > 0) deps.log.warn({ syncs: abandoned }, 'cost syncs left RUNNING by a stopped worker recorded as FAILED');
    const due = await connectionsDueForSync(deps.database.db);
    let queued = 0;
    for (const { orgId, id } of due) {
      try {
        await new CostConnectionService(deps.database.db, orgId, deps.config).requestSync(id);
        queued++;
      } catch (err) {
        // one connection must not keep the others from their sync
        deps.log.error({ orgId, connectionId: id, error: errorText(err) }, 'could not queue a cost sync');
      }
    }
    deps.log.info({ connections: due.length, queued }, 'cost syncs queued');
    return { queued, abandoned };
  },
};
