import { badInput } from '../errors.js';
import { CostReportService } from '../services/cost-reports.js';
import { requireViewer } from './require-viewer.js';
import type { RouteDeps } from './routes.js';
import type { RequestContext } from './router.js';

/** `GET /reports/download?id=…&format=csv|html` — a stored monthly report, as rendered. VIEWER role. */
export function reportDownloadHandler(deps: Pick<RouteDeps, 'database' | 'viewerOf' | 'config'>) {
  return async (rc: RequestContext) => {
    const viewer = await requireViewer(rc, deps.viewerOf, 'VIEWER');
    const format = rc.url.searchParams.get('format') ?? 'html';
    if (format !== 'csv' && format !== 'html') throw badInput('format', `csv or html, got ${JSON.stringify(format)}`);
    const id = rc.url.searchParams.get('id');
    // a missing id is the caller's mistake (400), an unknown one is not there (404)
    if (!id) throw badInput('id', 'required: the id of a stored report (the costReports query lists them, with their csvUrl and htmlUrl)');
    const report = await new CostReportService(deps.database.db, viewer.orgId, deps.config.maxPageSize).get(id);
    const body = format === 'csv' ? report.csv : report.html;
    rc.res.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'content-disposition': `${format === 'csv' ? 'attachment' : 'inline'}; filename="costs-${report.month.slice(0, 7)}.${format}"`,
    });
    rc.res.end(body);
  };
}
