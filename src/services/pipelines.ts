import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { pipelines, type PipelineRow } from '../db/schema/index.js';
import { badInput } from '../errors.js';

export class PipelineService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
  ) {}

  /** Pipelines are created on first mention (a registered or captured run names one). */
  async ensure(name: string, revision: string | null | undefined): Promise<PipelineRow> {
    const cleanName = name.trim();
    if (cleanName === '') throw badInput('pipeline', 'must not be empty');
    const rev = (revision ?? '').trim();
    const [inserted] = await this.db
      .insert(pipelines)
      .values({ orgId: this.orgId, name: cleanName, revision: rev })
      .onConflictDoNothing({ target: [pipelines.orgId, pipelines.name, pipelines.revision] })
      .returning();
    if (inserted) return inserted;
    const [existing] = await this.db
      .select()
      .from(pipelines)
      .where(and(eq(pipelines.orgId, this.orgId), eq(pipelines.name, cleanName), eq(pipelines.revision, rev)));
    return existing;
  }

  async byIds(ids: readonly string[]): Promise<PipelineRow[]> {
    if (ids.length === 0) return [];
    return this.db.select().from(pipelines).where(and(eq(pipelines.orgId, this.orgId), inArray(pipelines.id, [...ids])));
  }
}
