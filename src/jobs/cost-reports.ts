import { organizations } from '../db/schema/index.js';
import { errorText } from '../db/query-error.js';
import { CostReportService } from '../services/cost-reports.js';
import type { JobDefinition } from './index.js';

export const COST_REPORTS_QUEUE = 'reports.monthly';

/** The month before `now`, as YYYY-MM (UTC). */
export function previousMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

/** Scheduled (GCT_REPORTS_CRON, default the 2nd of each month): last month's report for every project. */
export const costReportsJob: JobDefinition<{ month?: string }> = {
  name: COST_REPORTS_QUEUE,
  cron: (config) => config.reportsCron,
  queue: { policy: 'singleton', retryLimit: 2, expireInSeconds: 3600 },
  async handler(data, deps) {
    const month = data?.month ?? previousMonth(new Date());
    const orgs = await deps.database.db.select({ id: organizations.id }).from(organizations);
    let reports = 0;
    for (const { id } of orgs) {
      try {
        reports += await new CostReportService(deps.database.db, id, deps.config.maxPageSize).generateAll(month);
      } catch (err) {
        deps.log.error({ orgId: id, month, error: errorText(err) }, 'monthly cost reports failed');
      }
    }
    return { month, reports };
  },
};
