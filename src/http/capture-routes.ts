import { AppError } from '../errors.js';
import { parseWeblogJson, WeblogFormatError } from '../ingest/nextflow/index.js';
import { captureWeblogEvent } from '../services/capture/weblog.js';
import { importTrace } from '../services/capture/trace-import.js';
import { requestLiveEstimate } from '../jobs/live-estimate.js';
import { boundedUpload, drain, readBody } from './body.js';
import { requireViewer } from './require-viewer.js';
import type { RouteDeps } from './routes.js';
import { sendJson, type RequestContext } from './router.js';

/**
 * Nextflow can only send a basic token (`weblog.basicToken`) or a secret in the URL, so besides
 * `Authorization: Bearer`, the API key may come as Basic credentials or as `?token=`.
 */
function weblogAuthorization(rc: RequestContext): string | undefined {
  const token = rc.url.searchParams.get('token');
  return rc.req.headers.authorization ?? (token ? `Bearer ${token}` : undefined);
}

/** `POST /nextflow/weblog` — target of `nextflow run … -with-weblog <url>`. */
export function weblogHandler(deps: RouteDeps) {
  return async (rc: RequestContext) => {
    const viewer = await requireViewer(rc, deps.viewerOf, 'ANALYST', weblogAuthorization(rc));
    const body = await readBody(rc.req, deps.config.capture.weblogMaxBytes);
    let event;
    try {
      event = parseWeblogJson(body.toString('utf8'));
    } catch (err) {
      if (err instanceof WeblogFormatError) throw new AppError('BAD_USER_INPUT', `not a Nextflow weblog event: ${err.message}`);
      throw err;
    }
    if (event.warnings.length > 0) rc.log.warn({ runId: event.runId, event: event.event, warnings: event.warnings }, 'weblog event stored without fields it could not read');
    const outcome = await captureWeblogEvent(deps.database.db, viewer.orgId, event, deps.config.capture);
    // after the capture committed, so the re-estimate sees it
    if (outcome.repriceDue) await requestLiveEstimate(deps.database.sql, viewer.orgId, outcome.runId);
    // deferred: taken (queued durably), applied once a trace import into the run has ended
    sendJson(rc.res, outcome.deferred ? 202 : 200, { ok: true, ...outcome, ...(event.warnings.length > 0 ? { warnings: event.warnings } : {}) });
  };
}

/**
 * `POST /import/trace?run=&project=&tz=&fileName=` — the trace file as the body, streamed. Past `maxBytes`
 * (GCT_MAX_UPLOAD_BYTES, as for cost files) the import fails with 413 and writes nothing: it is one transaction.
 */
export function traceUploadHandler(deps: RouteDeps, limit: { maxBytes: number; setting: string }) {
  return async (rc: RequestContext) => {
    const viewer = await requireViewer(rc, deps.viewerOf, 'ANALYST');
    const q = rc.url.searchParams;
    const body = boundedUpload(rc.req, 'trace file', limit.maxBytes, limit.setting);
    let report;
    try {
      report = await importTrace(deps.database.db, viewer.orgId, body, deps.config.capture, {
        runId: q.get('run'),
        projectCode: q.get('project'),
        runName: q.get('runName'),
        timeZone: q.get('tz'),
        fileName: q.get('fileName'),
        principalId: viewer.principalId,
      });
    } catch (err) {
      // refused part-way (an unknown tz, before any byte is read): read the rest so the client gets the answer
      await drain(rc.req);
      throw err;
    }
    if (report.tasksCreated + report.tasksUpdated > 0) await requestLiveEstimate(deps.database.sql, viewer.orgId, report.runId);
    sendJson(rc.res, 200, report);
  };
}
