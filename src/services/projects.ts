import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { projects, type ProjectRow } from '../db/schema/index.js';
import { badInput, conflict, notFound } from '../errors.js';
import { checkPageSize, decodeCursor, toPage, type Page } from './pagination.js';

const CODE = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,127}$/;

export class ProjectService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    /** GCT_MAX_PAGE_SIZE; the default is its own, for callers that never page. */
    private readonly maxPageSize = 500,
  ) {}

  private readonly owned = () => eq(projects.orgId, this.orgId);

  list(): Promise<ProjectRow[]> {
    return this.db.select().from(projects).where(this.owned()).orderBy(asc(projects.code));
  }

  /** A page in code order; the cursor is the last code seen (codes are unique in an organization). */
  async page(first: number, after?: string | null): Promise<Page<ProjectRow>> {
    checkPageSize(first, this.maxPageSize);
    const conditions = [this.owned()];
    if (after) {
      const [code] = decodeCursor(after, 'projectsConnection', 1);
      if (typeof code !== 'string') throw badInput('after', 'is not a cursor this API returned');
      conditions.push(gt(projects.code, code));
    }
    const rows = await this.db.select().from(projects).where(and(...conditions)).orderBy(asc(projects.code)).limit(first + 1);
    return toPage(rows, first, 'projectsConnection', (r) => [r.code]);
  }

  async byCode(code: string): Promise<ProjectRow> {
    const [row] = await this.db.select().from(projects).where(and(this.owned(), eq(projects.code, code)));
    if (!row) throw notFound('Project', code);
    return row;
  }

  async byIds(ids: readonly string[]): Promise<ProjectRow[]> {
    if (ids.length === 0) return [];
    return this.db.select().from(projects).where(and(this.owned(), inArray(projects.id, [...ids])));
  }

  async create(input: { code: string; name: string; costCentre?: string | null }): Promise<ProjectRow> {
    if (!CODE.test(input.code)) throw badInput('code', 'use 1-128 letters, digits and . _ - /, starting with a letter or digit');
    if (input.name.trim() === '') throw badInput('name', 'must not be empty');
    const [row] = await this.db
      .insert(projects)
      .values({ orgId: this.orgId, code: input.code, name: input.name.trim(), costCentre: input.costCentre ?? null })
      .onConflictDoNothing({ target: [projects.orgId, projects.code] })
      .returning();
    if (!row) throw conflict(`project code ${JSON.stringify(input.code)} already exists`, { field: 'code' });
    return row;
  }
}
