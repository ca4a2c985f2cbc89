import type PgBoss from 'pg-boss';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { isConnectionGone } from '../db/connection-gone.js';
import { redactedError } from '../db/query-error.js';
import type { Logger } from '../logger.js';
import type { ModelRegistry } from '../models/registry.js';
import { costSyncAllJob, costSyncJob } from './cost-sync.js';
import { recommendationsRefreshJob } from './recommendations.js';
import { costReportsJob } from './cost-reports.js';
import { costReconcileJob } from './reconcile.js';
import { costCentreRollupAllJob, costCentreRollupJob } from './cost-centre-rollup.js';
import { modelsRetrainAllJob, modelsRetrainJob } from './models-retrain.js';
import { liveEstimateJob } from './live-estimate.js';
import { budgetEvaluateAllJob, budgetEvaluateJob } from './budget-evaluation.js';
import { alertDispatchJob, webhookDeliverJob } from './webhooks.js';
import { anomalyDetectAllJob, anomalyDetectJob } from './anomalies.js';
import { weblogDeferredJob } from './weblog-deferred.js';

export { enqueueRetrain, MODELS_RETRAIN_QUEUE } from './models-retrain.js';
export { requestLiveEstimate, LIVE_ESTIMATE_QUEUE } from './live-estimate.js';

export interface JobDeps {
  database: Database;
  log: Logger;
  boss: PgBoss;
  config: Config;
  models: ModelRegistry;
}

/** One pg-boss queue: its name, what its handler does, and when it runs on its own. */
export interface JobDefinition<T extends object = object> {
  name: string;
  /**
   * Cron (UTC) for recurring runs, or a function of the config giving it (undefined: the schedule
   * is switched off and removed); omitted for jobs only other code enqueues.
   */
  cron?: string | ((config: Config) => string | undefined);
  /** Queue options (policy, retries, expiry); applied when the queue is created and at every start. */
  queue?: Omit<PgBoss.Queue, 'name'> | ((config: Config) => Omit<PgBoss.Queue, 'name'>);
  /** Worker options (polling interval, batch size); pg-boss's defaults when omitted. */
  work?: PgBoss.WorkOptions;
  handler: (data: T, deps: JobDeps) => Promise<unknown>;
}

/** Every background queue, in one list. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const definitions: readonly JobDefinition<any>[] = [
  costSyncJob,
  costSyncAllJob,
  costReconcileJob,
  costCentreRollupJob,
  costCentreRollupAllJob,
  modelsRetrainJob,
  modelsRetrainAllJob,
  liveEstimateJob,
  recommendationsRefreshJob,
  costReportsJob,
  budgetEvaluateJob,
  budgetEvaluateAllJob,
  alertDispatchJob,
  webhookDeliverJob,
  anomalyDetectJob,
  anomalyDetectAllJob,
  weblogDeferredJob,
];

/** Creates every queue (any role may enqueue) and, for worker roles, starts handlers and schedules. */
export async function registerJobs(boss: PgBoss, deps: JobDeps, runWorkers: boolean): Promise<void> {
  for (const job of definitions) {
    const queue = typeof job.queue === 'function' ? job.queue(deps.config) : job.queue;
    await boss.createQueue(job.name, { ...queue, name: job.name });
    // createQueue leaves an existing queue as it was
    if (queue) await boss.updateQueue(job.name, { ...queue, name: job.name });
    if (!runWorkers) continue;
    await boss.work<object>(job.name, job.work ?? {}, async (jobs) => {
      let output: unknown;
      for (const j of jobs) {
        const log = deps.log.child({ job: job.name, jobId: j.id });
        log.info('job started');
        try {
          output = await job.handler(j.data, { ...deps, log });
        } catch (err) {
          // the database going away (a stop, a restart; Drizzle wraps it) fails the job for pg-boss to
          // retry, and is no error of ours
          if (isConnectionGone(err) || (err instanceof Error && isConnectionGone(err.cause))) log.warn({ err }, 'job failed: the database connection went away');
          else log.error({ err }, 'job failed');
          // pg-boss stores what is thrown, every field of it, as the job's output: a failed query's
          // parameters (a model's state, a secret) must not go there
          throw redactedError(err);
        }
        log.info('job finished');
      }
      // pg-boss stores what the handler returns as the job's output when it fetched one job (the default)
      return output;
    });
    const cron = typeof job.cron === 'function' ? job.cron(deps.config) : job.cron;
    if (cron) await boss.schedule(job.name, cron, {}, { tz: 'UTC' });
    else if (typeof job.cron === 'function') await boss.unschedule(job.name);
  }
}
