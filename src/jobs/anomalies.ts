import { detectAnomalies, detectRecentAnomalies, orgsWithCosts } from '../services/anomalies.js';
import { isUuid } from '../services/runs.js';
import { sendJobUnlessDuplicate } from './send-job.js';
import type { JobDefinition } from './index.js';

export const ANOMALY_DETECT_QUEUE = 'anomalies.detect';
export const ANOMALY_DETECT_ALL_QUEUE = 'anomalies.detect-all';

/**
 * One organization, one day, or by default the newest day its bill reaches and the days before it that
 * may still have changed (detectRecentAnomalies). Re-runs update in place and raise nothing twice.
 */
export const anomalyDetectJob: JobDefinition<{ orgId: string; day?: string }> = {
  name: ANOMALY_DETECT_QUEUE,
  queue: { policy: 'stately', retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 1800 },
  async handler(data, deps) {
    if (typeof data?.orgId !== 'string' || !isUuid(data.orgId)) throw new Error(`${ANOMALY_DETECT_QUEUE} payload: orgId must be a uuid`);
    const reports = data.day
      ? [await detectAnomalies(deps.database.db, data.orgId, deps.config.anomalies, { day: data.day })]
      : await detectRecentAnomalies(deps.database.db, data.orgId, deps.config.anomalies);
    return { days: reports.map((r) => ({ day: r.day, series: r.series, found: r.found.map((a) => a.id), cleared: r.cleared })) };
  },
};

/** Scheduled (GCT_ANOMALY_CRON): one detection per organization with a bill. */
export const anomalyDetectAllJob: JobDefinition = {
  name: ANOMALY_DETECT_ALL_QUEUE,
  cron: (config) => config.anomalies.cron,
  async handler(_data, deps) {
    const orgs = await orgsWithCosts(deps.database.db);
    for (const orgId of orgs) await sendJobUnlessDuplicate(deps.database.sql, ANOMALY_DETECT_QUEUE, { orgId }, { singletonKey: orgId });
    return { orgs: orgs.length };
  },
};
