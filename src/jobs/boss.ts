import PgBoss from 'pg-boss';
import type { ProcessRole } from '../config.js';
import { processApplicationName } from '../db/application-name.js';
import { isConnectionGone } from '../db/connection-gone.js';
import type { Logger } from '../logger.js';

/**
 * pg-boss in the same database. Every role can enqueue; only worker roles supervise (maintenance)
 * and run the cron scheduler, so many API processes add no polling load.
 */
export async function startBoss(databaseUrl: string, role: ProcessRole, log: Logger): Promise<PgBoss> {
  const worker = role !== 'api';
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', supervise: worker, schedule: worker, max: 5, application_name: processApplicationName('gct-pgboss') });
  boss.on('error', (err) => {
    // the database going away is expected (a stop, a restart), and the error carries the whole pg
    // client, which says nothing more
    if (isConnectionGone(err)) log.warn({ code: (err as { code?: unknown }).code }, `pg-boss: ${err.message}`);
    else log.error({ err }, 'pg-boss error');
  });
  await boss.start();
  return boss;
}
