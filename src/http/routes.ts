import type PgBoss from 'pg-boss';
import type { Database } from '../db/client.js';
import type { Config } from '../config.js';
import type { Viewer } from '../auth/roles.js';
import { badInput } from '../errors.js';
import { hasNul, NUL_MESSAGE, shownKey } from '../input/text.js';
import type { Handler, Router, RequestContext } from './router.js';
import { traceUploadHandler, weblogHandler } from './capture-routes.js';
import { costUploadHandler } from './cost-upload.js';
import { costExportHandler } from './cost-export.js';
import { reportDownloadHandler } from './report-download.js';

export interface RouteDeps {
  config: Config;
  database: Database;
  /** The caller, from the request's Authorization header or the one given. */
  viewerOf: (rc: RequestContext, authorization?: string) => Promise<Viewer | null>;
  boss: PgBoss;
}

/** The plain-HTTP endpoints for machine clients (Nextflow weblog, file uploads, CSV exports). One line each. */
export function mountRoutes(router: Router, deps: RouteDeps): void {
  router.on('POST', '/nextflow/weblog', checkedParameters(weblogHandler(deps)));
  router.on('POST', '/import/trace', checkedParameters(traceUploadHandler(deps, { maxBytes: deps.config.maxUploadBytes, setting: 'GCT_MAX_UPLOAD_BYTES' })));
  router.on('POST', '/import/costs', checkedParameters(costUploadHandler(deps, { maxBytes: deps.config.maxUploadBytes, setting: 'GCT_MAX_UPLOAD_BYTES' })));
  router.on('GET', '/export/costs.csv', checkedParameters(costExportHandler(deps)));
  router.on('GET', '/reports/download', checkedParameters(reportDownloadHandler(deps)));
}

/**
 * Refuses, before the handler runs, a query parameter holding a NUL in its name or value, naming it (a
 * name as `tag.a\\u0000`). A parameter becomes a filter, a file name, a run name or a tag, and Postgres
 * text and jsonb cannot hold U+0000: a tag filter answered 500, the others an error naming no parameter.
 */
function checkedParameters(handler: Handler): Handler {
  return async (rc) => {
    for (const [name, value] of rc.url.searchParams) {
      if (hasNul(name) || hasNul(value)) throw badInput(shownKey(name), NUL_MESSAGE);
    }
    return handler(rc);
  };
}
