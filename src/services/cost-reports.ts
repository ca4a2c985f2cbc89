import { and, desc, eq, getTableColumns, sql } from 'drizzle-orm';
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../db/client.js';
import { costReports, projects, type CostReportRow } from '../db/schema/index.js';
import { badInput, notFound } from '../errors.js';
import { instantInYears, isCalendarDay } from '../input/dates.js';
import { CostExplorerService, type BreakdownRow } from './cost-explorer.js';
import { textCell } from './csv-cell.js';
import { checkPageSize, decodeCursor, encodeCursor, type Page } from './pagination.js';
import { ProjectService } from './projects.js';
import { isUuid } from './runs.js';

/** Explorer pages are read whole for a report; a project month has a few thousand rows at most. */
const PAGE = 500;

/**
 * Monthly cost report per project: the explorer's figures for the month (actual cost per day, run and
 * pipeline, with per-sample units and the previous month) rendered as CSV and as a self-contained
 * HTML page with a bar chart of daily spend, stored so the report sent is the report downloaded.
 */
export class CostReportService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly maxPageSize: number,
  ) {}

  /** Renders (or re-renders) `month` (YYYY-MM) for the project with `code`. */
  async generate(code: string, month: string): Promise<CostReportRow> {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw badInput('month', `must be YYYY-MM, got ${JSON.stringify(month)}`);
    const project = await new ProjectService(this.db, this.orgId).byCode(code);
    // checked as the month asked for, not as the explorer window it becomes (`filter.from`)
    const from = instantInYears('month', new Date(`${month}-01T00:00:00Z`));
    const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
    const explorer = new CostExplorerService(this.db, this.orgId, Math.max(PAGE, this.maxPageSize));
    const filter = { from, to, project: [project.code] };
    const daily = await this.all(explorer, { filter, groupBy: [], granularity: 'DAY', metric: 'ACTUAL' });
    const runs = await this.all(explorer, { filter, groupBy: [{ dimension: 'RUN' }, { dimension: 'PIPELINE' }], granularity: null, metric: 'BOTH' });
    // the calendar month before, not the explorer's previous window of the same length (30 days before a
    // 30-day month miss the 1st of a 31-day one)
    const previousFrom = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() - 1, 1));
    const totals = monthOverMonth(
      await explorer.totals({ filter, groupBy: [], granularity: null, metric: 'ACTUAL' }),
      await explorer.totals({ filter: { ...filter, from: previousFrom, to: from }, groupBy: [], granularity: null, metric: 'ACTUAL' }),
    );
    const csv = stringify(
      runs.map((r) => ({ month, project: textCell(project.code), run: r.keys[0], pipeline: textCell(r.keys[1]), currency: r.currency, actual: r.actual, estimate: r.estimate, samples: r.samples, costPerSample: r.costPerSample })),
      { header: true, columns: ['month', 'project', 'run', 'pipeline', 'currency', 'actual', 'estimate', 'samples', 'costPerSample'] },
    );
    const html = renderHtml({ project: `${project.code} — ${project.name}`, month, daily, runs, totals });
    const values = { orgId: this.orgId, projectId: project.id, month: `${month}-01`, csv, html };
    const [row] = await this.db
      .insert(costReports)
      .values(values)
      .onConflictDoUpdate({ target: [costReports.orgId, costReports.projectId, costReports.month], set: { csv, html, updatedAt: new Date() } })
      .returning();
    return row;
  }

  /** Every project's report for `month`; returns how many were written. */
  async generateAll(month: string): Promise<number> {
    const rows = await this.db.select({ code: projects.code }).from(projects).where(eq(projects.orgId, this.orgId));
    for (const { code } of rows) await this.generate(code, month);
    return rows.length;
  }

  async get(id: string): Promise<CostReportRow> {
    if (!isUuid(id)) throw notFound('cost report', id);
    const [row] = await this.db.select().from(costReports).where(and(eq(costReports.orgId, this.orgId), eq(costReports.id, id)));
    if (!row) throw notFound('cost report', id);
    return row;
  }

  /** Newest month first; without the rendered bodies (download them by id). */
  async list(projectCode: string | null, first: number, after?: string | null): Promise<Page<Omit<CostReportRow, 'csv' | 'html'>>> {
    checkPageSize(first, this.maxPageSize);
    const conditions = [eq(costReports.orgId, this.orgId)];
    if (projectCode) conditions.push(eq(costReports.projectId, (await new ProjectService(this.db, this.orgId).byCode(projectCode)).id));
    if (after) {
      const [month, id] = decodeCursor(after, 'costReports', 2);
      if (!isCalendarDay(month) || typeof id !== 'string' || !isUuid(id)) throw badInput('after', 'is not a cursor this API returned');
      conditions.push(sql`(${costReports.month}, ${costReports.id}) < (${month}::date, ${id}::uuid)`);
    }
    const { csv: _csv, html: _html, ...columns } = getTableColumns(costReports);
    const rows = await this.db.select(columns).from(costReports).where(and(...conditions)).orderBy(desc(costReports.month), desc(costReports.id)).limit(first + 1);
    const nodes = rows.slice(0, first);
    const cursorOf = (r: (typeof rows)[number]) => encodeCursor('costReports', [r.month, r.id]);
    return { nodes, hasNextPage: rows.length > first, endCursor: nodes.length ? cursorOf(nodes.at(-1)!) : null, cursorOf };
  }

  private async all(explorer: CostExplorerService, q: Parameters<CostExplorerService['breakdown']>[0]): Promise<BreakdownRow[]> {
    const out: BreakdownRow[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await explorer.breakdown(q, PAGE, after);
      out.push(...page.nodes);
      if (!page.hasNextPage) return out;
      after = page.endCursor;
    }
  }
}

interface MonthTotal {
  currency: string;
  actual: string | null;
  previousActual: string | null;
}

/** Per currency, this month's actual beside the previous month's, for a currency in either. */
function monthOverMonth(month: { currency: string; actual: string | null }[], previous: { currency: string; actual: string | null }[]): MonthTotal[] {
  const currencies = [...new Set([...month, ...previous].map((t) => t.currency))].sort();
  return currencies.map((currency) => ({
    currency,
    actual: month.find((t) => t.currency === currency)?.actual ?? null,
    previousActual: previous.find((t) => t.currency === currency)?.actual ?? null,
  }));
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function renderHtml(r: { project: string; month: string; daily: BreakdownRow[]; runs: BreakdownRow[]; totals: MonthTotal[] }): string {
  const currency = r.totals[0]?.currency ?? 'USD';
  const days = r.daily.filter((d) => d.currency === currency);
  const max = Math.max(1e-9, ...days.map((d) => Number(d.actual ?? 0)));
  const W = 720, H = 220, bw = days.length ? W / days.length : W;
  // a number for drawing only; the figures shown are the exact decimals
  const bars = days
    .map((d, i) => {
      const h = (Number(d.actual ?? 0) / max) * (H - 20);
      return `<rect x="${(i * bw + 1).toFixed(1)}" y="${(H - h).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#3b6ea5"><title>${escape(d.period ?? '')}: ${escape(d.actual ?? '0')} ${currency}</title></rect>`;
    })
    .join('');
  const money = (v: string | null) => (v == null ? '—' : Number(v).toFixed(2));
  const totals = r.totals.map((t) => `<li>${escape(t.currency)} ${money(t.actual)} (previous month ${money(t.previousActual)})</li>`).join('');
  const runs = r.runs
    .map((x) => `<tr><td>${escape(x.keys[0] ?? 'not a run (idle, shared, unallocated)')}</td><td>${escape(x.keys[1] ?? '')}</td><td>${escape(x.currency)}</td><td>${money(x.actual)}</td><td>${money(x.estimate)}</td><td>${x.samples}</td><td>${money(x.costPerSample)}</td></tr>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Costs ${escape(r.project)} ${escape(r.month)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style></head>
<body><h1>${escape(r.project)}: costs for ${escape(r.month)}</h1><ul>${totals || '<li>no costs</li>'}</ul>
<h2>Daily spend (${escape(currency)})</h2><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="daily spend">${bars}</svg>
<h2>Runs</h2><table><thead><tr><th>Run</th><th>Pipeline</th><th>Currency</th><th>Actual</th><th>Estimate</th><th>Samples</th><th>Per sample</th></tr></thead><tbody>${runs}</tbody></table>
<p>Actual cost is the reconciled bill: tasks, their runs' share of pool idle time, per the organization's settings.</p></body></html>`;
}
