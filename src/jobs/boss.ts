import PgBoss from 'pg-boss';
import type { ProcessRole } from '../config.js';
import type { Logger } from '../logger.js';

/**
 * pg-boss in the same database. Every role can enqueue; only worker roles supervise (maintenance)
 * and run the cron scheduler, so many API processes add no polling load.
 */
export async function startBoss(databaseUrl: string, role: ProcessRole, log: Logger): Promise<PgBoss> {
  const worker = role !== 'api';
  const boss = new PgBoss({ connectionString: databaseUrl, schema: 'pgboss', supervise: worker, schedule: worker, max: 5, application_name: 'gct-pgboss' });
  boss.on('error', (err) => log.error({ err }, 'pg-boss error'));
  await boss.start();
  return boss;
}
