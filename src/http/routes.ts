import type PgBoss from 'pg-boss';
import type { Database } from '../db/client.js';
import type { Config } from '../config.js';
import type { Viewer } from '../auth/roles.js';
import type { Router, RequestContext } from './router.js';
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
  router.on('POST', '/nextflow/weblog', weblogHandler(deps));
  router.on('POST', '/import/trace', traceUploadHandler(deps));
  router.on('POST', '/import/costs', costUploadHandler(deps, { maxBytes: deps.config.maxUploadBytes, setting: 'GCT_MAX_UPLOAD_BYTES' }));
  router.on('GET', '/export/costs.csv', costExportHandler(deps));
  router.on('GET', '/reports/download', reportDownloadHandler(deps));
}
