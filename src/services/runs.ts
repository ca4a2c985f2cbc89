import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { runs, type RunRow, type RunStatus, type VmPriority } from '../db/schema/index.js';
import { badInput, notFound } from '../errors.js';
import { checkNotReversed } from '../input/dates.js';
import { isUuid } from './ids.js';
import { orgCurrencySql } from './org-currency.js';
import { checkPageSize, decodeTimeIdCursor, microsecondsOf, olderThan, rowsPage, type Page } from './pagination.js';
import { PipelineService } from './pipelines.js';
import { ProjectService } from './projects.js';

export interface RunFilter {
  status?: RunStatus[] | null;
  projectCode?: string | null;
  pipeline?: string | null;
  /** Every given label must match exactly. */
  labels?: Record<string, string> | null;
  createdFrom?: Date | null;
  createdTo?: Date | null;
  unassigned?: boolean | null;
}

export interface RegisterRunInput {
  projectCode: string;
  pipeline: string;
  revision?: string | null;
  runName?: string | null;
  sampleCount?: number | null;
  inputBytes?: number | null;
  labels?: Record<string, string> | null;
  params?: Record<string, unknown> | null;
  region?: string | null;
  /** The pricing tier its nodes will use (the quote's and the live re-pricing's). */
  priority?: VmPriority | null;
}

/** Labels are flat string pairs (they become filters and budget scopes); copies into a plain object. */
export function normalizeLabels(labels: Record<string, unknown> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.length === 0 || key.length > 128) throw badInput(`labels.${key}`, 'keys must be 1-128 characters');
    if (typeof value !== 'string') throw badInput(`labels.${key}`, `values must be strings, got ${JSON.stringify(value)}`);
    out[key] = value;
  }
  return out;
}

/** Re-exported: services and jobs import it from here. */
export { isUuid };

export class RunService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly maxPageSize: number,
  ) {}

  private readonly owned = () => eq(runs.orgId, this.orgId);

  async get(id: string): Promise<RunRow> {
    // a malformed id is simply not found: no database error leaks, and no hint about other tenants
    const [row] = isUuid(id) ? await this.db.select().from(runs).where(and(this.owned(), eq(runs.id, id))) : [];
    if (!row) throw notFound('Run', id);
    return row;
  }

  async byIds(ids: readonly string[]): Promise<RunRow[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return this.db.select().from(runs).where(and(this.owned(), inArray(runs.id, valid)));
  }

  async list(filter: RunFilter, first: number, after?: string | null): Promise<Page<RunRow>> {
    checkPageSize(first, this.maxPageSize);
    const conditions: (SQL | undefined)[] = [this.owned()];
    if (filter.status?.length) conditions.push(inArray(runs.status, filter.status));
    if (filter.projectCode) {
      const project = await new ProjectService(this.db, this.orgId).byCode(filter.projectCode);
      conditions.push(eq(runs.projectId, project.id));
    }
    if (filter.unassigned) conditions.push(sql`${runs.projectId} is null`);
    if (filter.pipeline) {
      conditions.push(sql`${runs.pipelineId} in (select id from pipelines where org_id = ${this.orgId} and name = ${filter.pipeline})`);
    }
    const labels = normalizeLabels(filter.labels);
    if (Object.keys(labels).length > 0) conditions.push(sql`${runs.labels} @> ${JSON.stringify(labels)}::jsonb`);
    checkNotReversed(filter.createdFrom, filter.createdTo, { from: 'filter.createdFrom', to: 'filter.createdTo' });
    if (filter.createdFrom) conditions.push(gte(runs.createdAt, filter.createdFrom));
    if (filter.createdTo) conditions.push(lt(runs.createdAt, filter.createdTo));
    // keyset on (created_at desc, id desc): stable while rows are being added
    if (after) conditions.push(olderThan(runs.createdAt, runs.id, decodeTimeIdCursor(after, 'runs')));
    const rows = await this.db
      .select({ row: runs, at: microsecondsOf(runs.createdAt) })
      .from(runs)
      .where(and(...conditions))
      .orderBy(desc(runs.createdAt), desc(runs.id))
      .limit(first + 1);
    return rowsPage(rows, first, 'runs');
  }

  /** A LIMS announces a run before launch; the returned id is what it passes to Nextflow. */
  async register(input: RegisterRunInput): Promise<RunRow> {
    if (input.sampleCount != null && input.sampleCount < 0) throw badInput('sampleCount', 'must not be negative');
    if (input.inputBytes != null && input.inputBytes < 0) throw badInput('inputBytes', 'must not be negative');
    const project = await new ProjectService(this.db, this.orgId).byCode(input.projectCode);
    const pipeline = await new PipelineService(this.db, this.orgId).ensure(input.pipeline, input.revision);
    const [row] = await this.db
      .insert(runs)
      .values({
        orgId: this.orgId,
        projectId: project.id,
        pipelineId: pipeline.id,
        runName: input.runName ?? null,
        status: 'REGISTERED',
        submittedAt: new Date(),
        sampleCount: input.sampleCount ?? null,
        inputBytes: input.inputBytes ?? null,
        labels: normalizeLabels(input.labels),
        // GraphQL's JSON scalar hands over null-prototype objects; the driver wants plain ones
        params: { ...(input.params ?? {}) },
        region: input.region ?? null,
        priority: input.priority ?? null,
        currency: orgCurrencySql(this.orgId),
      })
      .returning();
    return row;
  }
}
