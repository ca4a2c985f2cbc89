import type PgBoss from 'pg-boss';
import { rebuildStaleCostCentres } from '../services/cost-rollup.js';
import { isUuid } from '../services/runs.js';
import type { JobDefinition } from './index.js';

/** Re-evaluates the rollup's cost centres of one organization after its allocation rules change (handler below). */
export const COST_CENTRE_ROLLUP_QUEUE = 'costs.rollup-cost-centres';

export interface CostCentreRollupPayload {
  orgId: string;
}

/**
 * Asks for the rebuild after a rule change has committed. The queue is `stately` keyed by
 * organization: a burst of rule edits queues one rebuild, and an edit made while one runs queues
 * another behind it, which sees the edit. Until it has run, the explorer reads cost centres from the
 * detail for the days built under the old rules, so answers are current meanwhile, only slower.
 */
export async function enqueueCostCentreRollup(boss: PgBoss, orgId: string): Promise<string | null> {
  return boss.send(COST_CENTRE_ROLLUP_QUEUE, { orgId } satisfies CostCentreRollupPayload, { singletonKey: orgId });
}

export const costCentreRollupJob: JobDefinition<CostCentreRollupPayload> = {
  name: COST_CENTRE_ROLLUP_QUEUE,
  queue: { policy: 'stately', retryLimit: 2, retryDelay: 30, expireInSeconds: 3600 },
  async handler(data, deps) {
    const orgId = (data as Partial<CostCentreRollupPayload> | undefined)?.orgId;
    if (typeof orgId !== 'string' || !isUuid(orgId)) throw new Error(`${COST_CENTRE_ROLLUP_QUEUE} payload: orgId must be a uuid`);
    const days = await rebuildStaleCostCentres(deps.database.db, orgId);
    return { days };
  },
};
