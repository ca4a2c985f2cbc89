import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { costRecords, pipelines, runs, type RunStatus } from '../../src/db/schema/index.js';

/** One bill line of one day (UTC), for budget, anomaly and forecast tests. */
export async function insertCost(
  db: Db,
  orgId: string,
  line: { day: Date; amount: string; effectiveCost?: string; currency?: string; tags?: Record<string, string>; serviceName?: string; resourceGroup?: string },
): Promise<void> {
  const end = new Date(line.day.getTime() + 86_400_000);
  await db.execute(sql`select cost_records_ensure_partitions(${line.day.toISOString()}, ${line.day.toISOString()})`);
  await db.insert(costRecords).values({
    orgId,
    provider: 'Microsoft',
    chargePeriodStart: line.day,
    chargePeriodEnd: end,
    billedCost: line.amount,
    effectiveCost: line.effectiveCost ?? null,
    currency: line.currency ?? 'USD',
    tags: line.tags ?? {},
    serviceName: line.serviceName ?? 'Virtual Machines',
    resourceGroup: line.resourceGroup ?? 'rg-batch',
    source: 'file',
    rowHash: randomUUID(),
  });
}

export async function insertPipeline(db: Db, orgId: string, name: string, revision = ''): Promise<string> {
  const [row] = await db.insert(pipelines).values({ orgId, name, revision }).returning({ id: pipelines.id });
  return row.id;
}

export async function insertRun(
  db: Db,
  orgId: string,
  run: { projectId?: string; pipelineId?: string; status?: RunStatus; startedAt?: Date; completedAt?: Date; estimatedCost?: string; actualCost?: string; labels?: Record<string, string> },
): Promise<string> {
  const [row] = await db
    .insert(runs)
    .values({
      orgId,
      projectId: run.projectId ?? null,
      pipelineId: run.pipelineId ?? null,
      status: run.status ?? 'RUNNING',
      startedAt: run.startedAt ?? new Date(),
      completedAt: run.completedAt ?? null,
      estimatedCost: run.estimatedCost ?? null,
      actualCost: run.actualCost ?? null,
      labels: run.labels ?? {},
    })
    .returning({ id: runs.id });
  return row.id;
}

/** UTC midnight `days` days before today (0: today). */
export const daysAgo = (days: number, from = new Date()) => new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() - days));
