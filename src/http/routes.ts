import type PgBoss from 'pg-boss';
import type { Database } from '../db/client.js';
import type { Config } from '../config.js';
import type { Viewer } from '../auth/roles.js';
import type { Router, RequestContext } from './router.js';

export interface RouteDeps {
  config: Config;
  database: Database;
  viewerOf: (rc: RequestContext) => Promise<Viewer | null>;
  boss: PgBoss;
}

/** The plain-HTTP endpoints for machine clients (Nextflow weblog, file uploads, CSV exports). One line each. */
export function mountRoutes(router: Router, deps: RouteDeps): void {
  void router;
  void deps;
}
