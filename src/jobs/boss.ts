import PgBoss from 'pg-boss';
import type { ProcessRole } from '../config.js';
import type { Logger } from '../logger.js';

/** admin_shutdown, crash_shutdown, cannot_connect_now */
const DATABASE_SHUTDOWN = new Set(['57P01', '57P02', '57P03']);

/**
 * pg-boss in the same database. Every role can enqueue; only worker roles supervise (maintenance)
 * and run the cron scheduler, so many API processes add no polling load.
 */
export async function startBoss(databaseUrl: string, role: ProcessRole, log: Logger): Promise<PgBoss> {
  const worker = role !== 'api';
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', supervise: worker, schedule: worker, max: 5, application_name: 'gct-pgboss' });
  boss.on('error', (err) => {
    const code = (err as { code?: unknown }).code;
    // the database going away (Ctrl-C reaches the embedded Postgres along with the server, or a
    // restart): expected, and the error carries the whole pg client, which says nothing more
    if (typeof code === 'string' && DATABASE_SHUTDOWN.has(code)) log.warn({ code }, `pg-boss: ${err.message}`);
    else log.error({ err }, 'pg-boss error');
  });
  await boss.start();
  return boss;
}
