import type PgBoss from 'pg-boss';
import { sql } from 'drizzle-orm';
import { rebuildStaleCostCentres } from '../services/cost-rollup.js';
import { isUuid } from '../services/runs.js';
import type { JobDefinition } from './index.js';

/** Re-evaluates the rollup's cost centres of one organization after its allocation rules change (handler below). */
export const COST_CENTRE_ROLLUP_QUEUE = 'costs.rollup-cost-centres';

/**
 * Daily: one rebuild per organization with a rollup. Catches what no rule change queued: days built
 * before the rollup carried cost centres, rules edited in SQL, a rebuild that failed for good. Where
 * nothing is stale the rebuild is one query.
 */
export const COST_CENTRE_ROLLUP_ALL_QUEUE = 'costs.rollup-cost-centres-all';

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

export const costCentreRollupAllJob: JobDefinition = {
  name: COST_CENTRE_ROLLUP_ALL_QUEUE,
  cron: '17 3 * * *',
  async handler(_data, deps) {
    const orgs = (await deps.database.db.execute(sql`select distinct org_id as id from cost_daily_days`)) as unknown as { id: string }[];
    for (const { id } of orgs) await enqueueCostCentreRollup(deps.boss, id);
    return { queued: orgs.length };
  },
};
