import type PgBoss from 'pg-boss';
import type { Database } from '../db/client.js';
import type { Logger } from '../logger.js';

export interface JobDeps {
  database: Database;
  log: Logger;
  boss: PgBoss;
}

/** One pg-boss queue: its name, what its handler does, and when it runs on its own. */
export interface JobDefinition<T extends object = object> {
  name: string;
  /** Cron (UTC) for recurring runs; omitted for jobs only other code enqueues. */
  cron?: string;
  handler: (data: T, deps: JobDeps) => Promise<unknown>;
}

/** Every background queue, in one list. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const definitions: readonly JobDefinition<any>[] = [];

/** Creates every queue (any role may enqueue) and, for worker roles, starts handlers and schedules. */
export async function registerJobs(boss: PgBoss, deps: JobDeps, runWorkers: boolean): Promise<void> {
  for (const job of definitions) {
    await boss.createQueue(job.name);
    if (!runWorkers) continue;
    await boss.work<object>(job.name, async (jobs) => {
      for (const j of jobs) {
        const log = deps.log.child({ job: job.name, jobId: j.id });
        log.info('job started');
        await job.handler(j.data, { ...deps, log });
        log.info('job finished');
      }
    });
    if (job.cron) await boss.schedule(job.name, job.cron, {}, { tz: 'UTC' });
  }
}
