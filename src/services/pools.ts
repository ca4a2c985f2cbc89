import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { pools, tasks, type PoolRow, type VmPriority } from '../db/schema/index.js';
import { badInput } from '../errors.js';

export interface PoolInput {
  name: string;
  provider?: string | null;
  region: string;
  vmSize: string;
  priority?: VmPriority | null;
  resourceId?: string | null;
}

/** The organization's compute pools: what VM size and pricing tier a task on pool X ran on. */
export class PoolService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
  ) {}

  list(): Promise<PoolRow[]> {
    return this.db.select().from(pools).where(eq(pools.orgId, this.orgId)).orderBy(asc(pools.name));
  }

  /** Declares or redeclares a pool by name; tasks already captured on it are re-labelled. */
  async declare(input: PoolInput): Promise<PoolRow> {
    if (input.name.trim() === '') throw badInput('name', 'must not be empty');
    const values = {
      orgId: this.orgId,
      name: input.name.trim(),
      provider: input.provider ?? 'azure',
      region: input.region.trim().toLowerCase(),
      vmSize: input.vmSize.trim(),
      priority: input.priority ?? 'DEDICATED',
      resourceId: input.resourceId ?? null,
    };
    const [row] = await this.db
      .insert(pools)
      .values(values)
      .onConflictDoUpdate({ target: [pools.orgId, pools.name], set: { ...values, updatedAt: new Date() } })
      .returning();
    await this.db
      .update(tasks)
      .set({ vmSize: row.vmSize, priority: row.priority })
      .where(and(eq(tasks.orgId, this.orgId), eq(tasks.pool, row.name)));
    return row;
  }
}
