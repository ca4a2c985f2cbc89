import type PgBoss from 'pg-boss';
import { sql } from 'drizzle-orm';
import { organizations } from '../db/schema/index.js';
import { ModelService } from '../services/model-versions.js';
import { isUuid } from '../services/runs.js';
import type { JobDefinition } from './index.js';
import { PGBOSS_SCHEMA } from './send-job.js';

/** Refits every model of one organization (handler below). */
export const MODELS_RETRAIN_QUEUE = 'models.retrain';
/** Scheduled (GCT_MODEL_RETRAIN_CRON): enqueues one `models.retrain` per organization. */
export const MODELS_RETRAIN_ALL_QUEUE = 'models.retrain-all';

export interface RetrainPayload {
  orgId: string;
}

/**
 * Asks for a retrain of the organization's models; returns the job id. The queue is `stately` keyed by
 * organization: while one retrain is queued, asking again returns that queued job instead of a second
 * one (a reconciliation burst causes one retrain, not one per bill line), and a request made while one
 * is running is queued behind it, so it sees the newer history.
 */
export async function enqueueRetrain(boss: PgBoss, orgId: string): Promise<string> {
  const id = await boss.send(MODELS_RETRAIN_QUEUE, { orgId } satisfies RetrainPayload, { singletonKey: orgId });
  if (id) return id;
  const db = boss.getDb();
  const res = (await db.executeSql(
    `select id from ${PGBOSS_SCHEMA}.job where name = $1 and singleton_key = $2 and state = 'created' order by created_on desc limit 1`,
    [MODELS_RETRAIN_QUEUE, orgId],
  )) as { rows: { id: string }[] };
  if (res.rows[0]) return res.rows[0].id;
  throw new Error(`${MODELS_RETRAIN_QUEUE}: pg-boss accepted no job for organization ${orgId} and none is queued`);
}

function parsePayload(data: unknown): RetrainPayload {
  const d = (data ?? {}) as Record<string, unknown>;
  if (typeof d.orgId !== 'string' || !isUuid(d.orgId)) throw new Error(`${MODELS_RETRAIN_QUEUE} payload: orgId must be a uuid`);
  return { orgId: d.orgId };
}

export const modelsRetrainJob: JobDefinition<RetrainPayload> = {
  name: MODELS_RETRAIN_QUEUE,
  // Expiry fails the job and queues its retry but cannot stop the handler: a retrain still running then
  // has its retry beside it (safe: the retrain locks each scope and profile while it writes it), and a
  // lab model stuck in a synchronous loop is never reached by the timer at all (README, "Your own model").
  queue: { policy: 'stately', retryLimit: 1, expireInSeconds: 3600 },
  async handler(data, deps) {
    const { orgId } = parsePayload(data);
    const report = await new ModelService(deps.database.db, orgId, deps.models, deps.config.estimation).retrain({ log: deps.log });
    deps.log.info({ orgId, pipelines: report.pipelines, versions: report.versions, unchanged: report.unchanged, tasksRead: report.historyRead.tasks, promoted: report.promoted.length, failures: report.failures.length }, 'models retrained');
    return { versions: report.versions, promoted: report.promoted, failures: report.failures };
  },
};

export const modelsRetrainAllJob: JobDefinition = {
  name: MODELS_RETRAIN_ALL_QUEUE,
  cron: (config) => config.estimation.retrainCron,
  async handler(_data, deps) {
    // only organizations with completed tasks have anything to learn from
    const orgs = (await deps.database.db.execute(
      sql`select o.id from ${organizations} o where exists (select 1 from tasks t where t.org_id = o.id and t.status = 'COMPLETED')`,
    )) as unknown as { id: string }[];
    for (const { id } of orgs) await enqueueRetrain(deps.boss, id);
    return { queued: orgs.length };
  },
};
