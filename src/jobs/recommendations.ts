import { organizations } from '../db/schema/index.js';
import { errorText } from '../db/query-error.js';
import { RecommendationService } from '../services/recommendations.js';
import type { JobDefinition } from './index.js';

export const RECOMMENDATIONS_REFRESH_QUEUE = 'recommendations.refresh';

/** Scheduled (GCT_RECOMMENDATIONS_CRON): recomputes every organization's recommendations. */
export const recommendationsRefreshJob: JobDefinition = {
  name: RECOMMENDATIONS_REFRESH_QUEUE,
  cron: (config) => config.recommendationsCron,
  queue: { policy: 'singleton', retryLimit: 1, expireInSeconds: 3600 },
  async handler(_data, deps) {
    const orgs = await deps.database.db.select({ id: organizations.id }).from(organizations);
    let found = 0;
    for (const { id } of orgs) {
      try {
        found += (await new RecommendationService(deps.database.db, id, deps.config.maxPageSize, deps.config.recommendations.fxRates).refresh(deps.config.recommendations)).found;
      } catch (err) {
        // one organization's failure must not keep the others from their refresh
        deps.log.error({ orgId: id, error: errorText(err) }, 'recommendations refresh failed');
      }
    }
    return { organizations: orgs.length, found };
  },
};
