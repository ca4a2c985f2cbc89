/**
 * Reading what reconciliation produced, scoped to one organization: reconciliation records, a run's
 * actual cost broken down (tasks, idle share, per sample, per process), estimate errors and accuracy.
 * Every amount is summed in SQL numeric and travels as a decimal string.
 */
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Db, Sql } from '../db/client.js';
import { estimateErrors, reconciliations, type EstimateErrorRow, type ReconciliationRow } from '../db/schema/index.js';

import { enqueueReconcile } from '../jobs/reconcile-queue.js';
import { checkPageSize, decodeTimeIdCursor, microsecondsOf, olderThan, rowsPage, type Page } from './pagination.js';
import { checkReconcileWindow, type ReconcileWindow } from './reconcile-terms.js';
import { isUuid, RunService } from './runs.js';

export interface RunCostTotals {
  runId: string;
  currency: string;
  tasks: string;
  idle: string;
  total: string;
}

export interface CostPart {
  /** The sample or process; null for tasks without one. */
  name: string | null;
  currency: string;
  tasks: string;
  idle: string;
  total: string;
}

export interface EstimateErrorFilter {
  runId?: string | null;
  /** Pipeline name, e.g. nf-core/rnaseq (any revision). */
  pipeline?: string | null;
  modelName?: string | null;
}

export interface EstimateAccuracyRow {
  pipelineId: string | null;
  kind: string;
  modelName: string;
  modelVersion: string;
  count: number;
  /** Estimates whose actual was 0 have no ratio and are left out of the three figures below. */
  mape: number | null;
  medianApe: number | null;
  bias: number | null;
  drifted: number;
}

const PART_COLUMNS = { sample: sql.raw('k.sample'), process: sql.raw('k.process') } as const;

function sqlClientOf(db: Db): Sql {
  const client = (db as Db & { $client?: Sql }).$client;
  if (!client) throw new Error('the database handle has no postgres.js client');
  return client;
}

export class ReconciliationService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly config: Pick<Config, 'maxPageSize' | 'reconcile'>,
  ) {}

  private async rows<T>(query: SQL): Promise<T[]> {
    return [...((await this.db.execute(query)) as unknown as T[])];
  }

  /** Queues `costs.reconcile` for [from, to); returns the job id. */
  async request(window: ReconcileWindow): Promise<string> {
    checkReconcileWindow(window);
    return enqueueReconcile(sqlClientOf(this.db), { orgId: this.orgId, from: window.from.toISOString(), to: window.to.toISOString(), trigger: 'request' });
  }

  /** Newest first. */
  async list(first: number, after?: string | null): Promise<Page<ReconciliationRow>> {
    checkPageSize(first, this.config.maxPageSize);
    const conditions: (SQL | undefined)[] = [eq(reconciliations.orgId, this.orgId)];
    if (after) conditions.push(olderThan(reconciliations.startedAt, reconciliations.id, decodeTimeIdCursor(after, 'reconciliations')));
    const rows = await this.db
      .select({ row: reconciliations, at: microsecondsOf(reconciliations.startedAt) })
      .from(reconciliations)
      .where(and(...conditions))
      .orderBy(desc(reconciliations.startedAt), desc(reconciliations.id))
      .limit(first + 1);
    return rowsPage(rows, first, 'reconciliations');
  }

  /** Per currency (normally one): the run's task allocations, its idle share and their sum. */
  async runTotals(runIds: readonly string[]): Promise<RunCostTotals[]> {
    const ids = runIds.filter(isUuid);
    if (ids.length === 0) return [];
    return this.rows<RunCostTotals>(sql`
      select run_id as "runId", trim(currency) as currency,
        coalesce(sum(amount) filter (where kind = 'TASK'), 0)::text as tasks,
        coalesce(sum(amount) filter (where kind = 'IDLE'), 0)::text as idle,
        sum(amount)::text as total
      from allocations
      where org_id = ${this.orgId} and run_id in (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})
      group by run_id, currency order by run_id, currency`);
  }

  /**
   * A run's cost per sample or per process: its tasks' allocations, and the run's idle share split in
   * proportion to them (the largest part takes the remainder, so the parts sum to the run's total).
   */
  async runParts(runId: string, by: keyof typeof PART_COLUMNS): Promise<CostPart[]> {
    await new RunService(this.db, this.orgId, this.config.maxPageSize).get(runId);
    const key = PART_COLUMNS[by];
    return this.rows<CostPart>(sql`
      with a as (
        select a.currency, a.kind, a.amount, ${key} as key
        from allocations a left join tasks k on k.org_id = a.org_id and k.id = a.task_id
        where a.org_id = ${this.orgId} and a.run_id = ${runId}),
      run as (
        select currency, coalesce(sum(amount) filter (where kind = 'TASK'), 0) as tasks, coalesce(sum(amount) filter (where kind = 'IDLE'), 0) as idle
        from a group by currency),
      parts as (
        select currency, key, sum(amount) as tasks from a where kind = 'TASK' group by currency, key),
      ranked as (
        select p.*, r.tasks as run_tasks, r.idle as run_idle,
          row_number() over (partition by p.currency order by p.tasks desc, p.key nulls last) as rn, count(*) over (partition by p.currency) as n
        from parts p join run r using (currency)),
      shared as (
        select *, case when rn < n and run_tasks <> 0 then trunc(run_idle * tasks / run_tasks, 10) when rn < n then 0 end as part from ranked),
      final as (
        select currency, key, tasks, coalesce(part, run_idle - coalesce(sum(part) over (partition by currency), 0)) as idle from shared)
      select key as name, trim(currency) as currency, tasks::text, idle::text, (tasks + idle)::text as total
      from final order by currency, tasks desc, key nulls last`);
  }

  /** Most recently updated first. */
  async estimateErrors(filter: EstimateErrorFilter, first: number, after?: string | null): Promise<Page<EstimateErrorRow>> {
    checkPageSize(first, this.config.maxPageSize);
    const e = estimateErrors;
    const conditions: (SQL | undefined)[] = [eq(e.orgId, this.orgId)];
    if (filter.runId) conditions.push(isUuid(filter.runId) ? eq(e.runId, filter.runId) : sql`false`);
    if (filter.pipeline) conditions.push(sql`${e.pipelineId} in (select id from pipelines where org_id = ${this.orgId} and name = ${filter.pipeline})`);
    if (filter.modelName) conditions.push(eq(e.modelName, filter.modelName));
    if (after) conditions.push(olderThan(e.updatedAt, e.id, decodeTimeIdCursor(after, 'estimateErrors')));
    const rows = await this.db
      .select({ row: e, at: microsecondsOf(e.updatedAt) })
      .from(e)
      .where(and(...conditions))
      .orderBy(desc(e.updatedAt), desc(e.id))
      .limit(first + 1);
    return rowsPage(rows, first, 'estimateErrors');
  }

  /** Per pipeline, estimate kind and model version: how far estimates were from the bill. */
  async accuracy(filter: Omit<EstimateErrorFilter, 'runId'>): Promise<EstimateAccuracyRow[]> {
    const conditions: SQL[] = [sql`e.org_id = ${this.orgId}`];
    if (filter.pipeline) conditions.push(sql`e.pipeline_id in (select id from pipelines where org_id = ${this.orgId} and name = ${filter.pipeline})`);
    if (filter.modelName) conditions.push(sql`e.model_name = ${filter.modelName}`);
    return this.rows<EstimateAccuracyRow>(sql`
      select e.pipeline_id as "pipelineId", e.kind::text as kind, e.model_name as "modelName", e.model_version as "modelVersion", count(*)::int as count,
        avg(abs(e.error_ratio))::float8 as mape,
        (percentile_cont(0.5) within group (order by abs(e.error_ratio)))::float8 as "medianApe",
        avg(e.error_ratio)::float8 as bias,
        (count(*) filter (where abs(e.error_ratio) > ${this.config.reconcile.driftThreshold}))::int as drifted
      from estimate_errors e
      where ${sql.join(conditions, sql` and `)}
      group by e.pipeline_id, e.kind, e.model_name, e.model_version
      order by e.pipeline_id nulls last, e.kind, e.model_name, e.model_version`);
  }
}
