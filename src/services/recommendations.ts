import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { recommendations, type RecommendationKind, type RecommendationRow, type RecommendationStatus } from '../db/schema/index.js';
import { notFound } from '../errors.js';
import { fxRateSql, noRateNote, type FxRates } from './fx.js';
import { orgCurrency, orgCurrencySql } from './org-currency.js';
import { checkPageSize, decodeOffsetCursor, offsetPage, type Page } from './pagination.js';
import { isUuid } from './runs.js';
import { taskRanSql } from './task-times.js';

export interface RecommendationSettings {
  /** Headroom over the observed p95, e.g. 0.2 for p95 + 20%. */
  headroom: number;
  /** Days of completed tasks looked at; savings are scaled to 30 days. */
  windowDays: number;
  /** Fewest completed tasks of a process before its sizing is judged. */
  minTasks: number;
  /** Processes whose p95 runtime is at most this are candidates for low-priority VMs. */
  lowPriorityMaxMinutes: number;
  /** Pools whose idle share of their bill is at least this percentage are reported. */
  idlePoolPercent: number;
  /** GCT_FX_RATES: the price sheet's savings are given in the organization's currency when there is a rate. */
  fxRates: FxRates;
}

const GIB = 1024 ** 3;

interface Candidate {
  kind: RecommendationKind;
  pipeline_id: string | null;
  pipeline: string | null;
  process: string;
  tasks: number;
  current: number | null;
  recommended: number | null;
  p95: number | null;
  saving: string | null;
  currency: string | null;
  priced_tasks: number;
}

/**
 * Savings found in the organization's own task history, priced with the price sheet, in the
 * organization's currency (GCT_FX_RATES; without a rate in the sheet's, and the detail says why):
 * - RIGHTSIZE_MEMORY / RIGHTSIZE_CPU: requested memory / cpus against p95 of peak RSS / %cpu of
 *   completed tasks, plus headroom; the saving is what the price-sheet rule charges less per task
 *   (max(cpu share, memory share) × hours × price) with the new request, the other kept as is.
 * - LOW_PRIORITY: short processes on dedicated VMs that never failed without being retried; the
 *   saving is the dedicated minus the low-priority price of the same VM size.
 * - FAILED_WORK: money spent on attempts that failed or were aborted.
 * - IDLE_POOL: pools whose idle share of their reconciled bill (billed time no task used) is at
 *   least the configured percentage; the saving is that idle money (autoscale or smaller pools).
 */
export class RecommendationService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly maxPageSize: number,
    /** GCT_FX_RATES: the list compares savings in the organization's currency. */
    private readonly fxRates: FxRates,
  ) {}

  async list(filter: { status?: RecommendationStatus[] | null; kind?: RecommendationKind[] | null }, first: number, after?: string | null): Promise<Page<RecommendationRow>> {
    checkPageSize(first, this.maxPageSize);
    const conditions = [eq(recommendations.orgId, this.orgId)];
    if (filter.status?.length) conditions.push(inArray(recommendations.status, filter.status));
    if (filter.kind?.length) conditions.push(inArray(recommendations.kind, filter.kind));
    const offset = decodeOffsetCursor(after, 'recommendations');
    // Biggest saving first, compared in the organization's currency: savings can be in several (an
    // IDLE_POOL one in the bill's, price-sheet ones in the sheet's when there is no rate, a decision kept
    // from before a rate was set). Those with no rate to it follow, by their own amount. The list is short
    // (one row per process and kind), so offsets are fine.
    const inOrgCurrency = sql`${recommendations.monthlySaving} * ${fxRateSql(this.fxRates, sql`${recommendations.currency}`, orgCurrencySql(this.orgId))}`;
    const rows = await this.db
      .select()
      .from(recommendations)
      .where(and(...conditions))
      .orderBy(sql`${inOrgCurrency} desc nulls last`, sql`${recommendations.monthlySaving} desc nulls last`, asc(recommendations.kind), asc(recommendations.subject))
      .limit(first + 1)
      .offset(offset);
    return offsetPage(rows, first, offset, 'recommendations');
  }

  async setStatus(id: string, status: RecommendationStatus, principalId: string | null): Promise<RecommendationRow> {
    if (!isUuid(id)) throw notFound('recommendation', id);
    const [row] = await this.db
      .update(recommendations)
      .set({ status, statusChangedAt: new Date(), statusChangedBy: principalId, updatedAt: new Date() })
      .where(and(eq(recommendations.orgId, this.orgId), eq(recommendations.id, id)))
      .returning();
    if (!row) throw notFound('recommendation', id);
    return row;
  }

  /**
   * Recomputes every recommendation from the last `windowDays` of tasks. Existing ones keep their id
   * and status and get the new figures; OPEN ones no longer warranted are removed (accepted and
   * dismissed ones stay as the record of a decision). Returns the current set's size.
   */
  async refresh(settings: RecommendationSettings, now = new Date()): Promise<{ found: number; removed: number }> {
    const currency = await orgCurrency(this.db, this.orgId);
    const candidates = await this.candidates(settings, currency, now);
    return this.db.transaction(async (tx) => {
      const subjects = new Map<RecommendationKind, string[]>();
      for (const c of candidates) {
        const subject = `${c.pipeline_id ?? '-'}/${c.process}`;
        (subjects.get(c.kind) ?? subjects.set(c.kind, []).get(c.kind)!).push(subject);
        const values = {
          orgId: this.orgId,
          kind: c.kind,
          subject,
          pipelineId: c.pipeline_id,
          process: c.process,
          title: titleOf(c),
          detail: detailOf(c, settings, currency),
          monthlySaving: c.saving,
          currency: c.currency,
          refreshedAt: now,
        };
        await tx
          .insert(recommendations)
          .values(values)
          .onConflictDoUpdate({ target: [recommendations.orgId, recommendations.kind, recommendations.subject], set: { ...values, updatedAt: now } });
      }
      let removed = 0;
      for (const kind of recommendations.kind.enumValues) {
        const keep = subjects.get(kind) ?? [];
        const gone = await tx
          .delete(recommendations)
          .where(and(eq(recommendations.orgId, this.orgId), eq(recommendations.kind, kind), eq(recommendations.status, 'OPEN'), ...(keep.length ? [notInArray(recommendations.subject, keep)] : [])))
          .returning({ id: recommendations.id });
        removed += gone.length;
      }
      return { found: candidates.length, removed };
    });
  }

  /**
   * One SQL statement: task history priced per task, then one candidate row per process and kind. A
   * price is converted into `currency` in numeric when GCT_FX_RATES has the rate, else kept in its own.
   */
  private async candidates(s: RecommendationSettings, currency: string, now: Date): Promise<Candidate[]> {
    const since = new Date(now.getTime() - s.windowDays * 86_400_000);
    const scale = 30 / s.windowDays;
    const rate = fxRateSql(s.fxRates, sql`pr.currency`, sql`${currency}::text`);
    const rows = await this.db.execute(sql`
      with t as (
        select t.process, r.pipeline_id, pp.name as pipeline, t.status, t.error_action, coalesce(t.cpus, 1) as cpus, t.memory_bytes,
               t.pcpu, t.peak_rss, t.realtime_ms, coalesce(t.priority, 'DEDICATED') as priority,
               extract(epoch from (t.completed_at - t.started_at)) / 3600 as hours,
               pr.vcpus, pr.memory_gib * ${GIB} as vm_bytes, pr.price_per_hour * coalesce(fx.rate, 1) as price,
               case when fx.rate is null then pr.currency else ${currency}::text end as currency, lp.price_per_hour * coalesce(fx.rate, 1) as low_price
        from tasks t
        join runs r on r.org_id = t.org_id and r.id = t.run_id
        left join pipelines pp on pp.org_id = r.org_id and pp.id = r.pipeline_id
        left join pools pl on pl.org_id = t.org_id and pl.name = t.pool
        left join lateral (
          select p.vcpus, p.memory_gib, p.price_per_hour, p.currency from prices p
          -- sizes as people type them (pools are declared by hand), matched as prices.ts and reconciliation do
          where p.provider = coalesce(pl.provider, 'azure') and lower(p.vm_size) = lower(t.vm_size)
            and p.priority = coalesce(t.priority, 'DEDICATED') and p.effective_from <= (t.started_at at time zone 'UTC')::date
          order by (p.region = pl.region) desc, p.effective_from desc limit 1) pr on true
        left join lateral (
          select p.price_per_hour from prices p
          where p.provider = coalesce(pl.provider, 'azure') and lower(p.vm_size) = lower(t.vm_size)
            and p.priority = 'LOW_PRIORITY' and p.currency = pr.currency and p.effective_from <= (t.started_at at time zone 'UTC')::date
          order by (p.region = pl.region) desc, p.effective_from desc limit 1) lp on true
        cross join lateral (select ${rate} as rate) fx
        -- not CACHED tasks: their times are the original run's, whose task is priced already
        where t.org_id = ${this.orgId} and t.process is not null and t.started_at is not null and ${taskRanSql}
          and t.completed_at >= ${since.toISOString()}::timestamptz and t.completed_at < ${now.toISOString()}::timestamptz
      ),
      -- the price-sheet share of the VM a task holds, and what it would hold with another request
      priced as (
        select t.*, greatest(t.cpus::numeric / t.vcpus, coalesce(t.memory_bytes, 0) / t.vm_bytes) as share from t
      ),
      sizing as (
        select pipeline_id, pipeline, process, count(*)::int as tasks,
               percentile_disc(0.5) within group (order by memory_bytes) as mem_requested,
               percentile_cont(0.95) within group (order by peak_rss) as rss_p95,
               percentile_disc(0.5) within group (order by cpus) as cpus_requested,
               percentile_cont(0.95) within group (order by pcpu) as pcpu_p95
        from priced where status = 'COMPLETED'
        group by 1, 2, 3 having count(*) >= ${s.minTasks}
      ),
      targets as (
        select z.*,
               greatest(1, ceil(z.rss_p95 * ${1 + s.headroom} / ${GIB}))::bigint * ${GIB} as mem_recommended,
               greatest(1, ceil(z.pcpu_p95 / 100 * ${1 + s.headroom}))::int as cpus_recommended
        from sizing z
      ),
      memory as (
        select 'RIGHTSIZE_MEMORY' as kind, z.pipeline_id, z.pipeline, z.process, z.tasks, z.mem_requested::float8 as current, z.mem_recommended::float8 as recommended, z.rss_p95 as p95,
               (sum(p.price * p.hours * (p.share - greatest(p.cpus::numeric / p.vcpus, least(p.memory_bytes, z.mem_recommended) / p.vm_bytes)))
                  filter (where p.memory_bytes > z.mem_recommended) * ${scale})::text as saving,
               min(p.currency) as currency, count(p.price)::int as priced_tasks, count(distinct p.currency) as currencies
        from targets z join priced p on p.pipeline_id is not distinct from z.pipeline_id and p.process = z.process
        where z.rss_p95 is not null and z.mem_requested is not null
          and z.mem_recommended <= z.mem_requested * 0.8 and z.mem_requested - z.mem_recommended >= ${GIB}
        group by 1, 2, 3, 4, 5, 6, 7, 8
      ),
      cpu as (
        select 'RIGHTSIZE_CPU' as kind, z.pipeline_id, z.pipeline, z.process, z.tasks, z.cpus_requested::float8, z.cpus_recommended::float8, z.pcpu_p95,
               (sum(p.price * p.hours * (p.share - greatest(least(p.cpus, z.cpus_recommended)::numeric / p.vcpus, coalesce(p.memory_bytes, 0) / p.vm_bytes)))
                  filter (where p.cpus > z.cpus_recommended) * ${scale})::text,
               min(p.currency), count(p.price)::int, count(distinct p.currency)
        from targets z join priced p on p.pipeline_id is not distinct from z.pipeline_id and p.process = z.process
        where z.pcpu_p95 is not null and z.cpus_recommended < z.cpus_requested
        group by 1, 2, 3, 4, 5, 6, 7, 8
      ),
      low_priority as (
        select 'LOW_PRIORITY' as kind, pipeline_id, pipeline, process, count(*)::int, null::float8, null::float8,
               (percentile_cont(0.95) within group (order by realtime_ms)) / 60000,
               (sum((price - low_price) * hours * share) * ${scale})::text,
               min(currency), count(low_price)::int, count(distinct currency)
        from priced
        group by 1, 2, 3, 4
        having bool_and(priority = 'DEDICATED') and count(*) filter (where status = 'COMPLETED') >= ${s.minTasks}
           and bool_and(status = 'COMPLETED' or upper(coalesce(error_action, '')) = 'RETRY')
           and percentile_cont(0.95) within group (order by realtime_ms) <= ${s.lowPriorityMaxMinutes * 60_000}
           and sum((price - low_price) * hours * share) > 0
      ),
      idle_pools as (
        select 'IDLE_POOL' as kind, null::uuid as pipeline_id, null::text as pipeline, pl.name as process, count(distinct a.cost_row_hash)::int,
               null::float8, null::float8,
               (100 * sum(a.amount) filter (where a.kind = 'IDLE') / nullif(sum(a.amount), 0))::float8,
               (sum(a.amount) filter (where a.kind = 'IDLE') * ${scale})::text, min(a.currency), count(distinct a.cost_row_hash)::int, count(distinct a.currency)
        from allocations a join pools pl on pl.org_id = a.org_id and pl.id = a.pool_id
        where a.org_id = ${this.orgId} and a.charge_period_start >= ${since.toISOString()}::timestamptz and a.charge_period_start < ${now.toISOString()}::timestamptz
        group by pl.name
        having sum(a.amount) > 0 and sum(a.amount) filter (where a.kind = 'IDLE') >= ${s.idlePoolPercent / 100} * sum(a.amount)
      ),
      failed as (
        select 'FAILED_WORK' as kind, pipeline_id, pipeline, process, count(*)::int, null::float8, null::float8, null::float8,
               (sum(price * hours * share) * ${scale})::text, min(currency), count(price)::int, count(distinct currency)
        from priced where status in ('FAILED', 'ABORTED')
        group by 1, 2, 3, 4
      )
      select kind, pipeline_id, pipeline, process, tasks, current, recommended, p95,
             case when currencies = 1 then round(saving::numeric, 4)::text end as saving, case when currencies = 1 then currency end as currency, priced_tasks
      from (select * from memory union all select * from cpu union all select * from low_priority union all select * from failed union all select * from idle_pools) c
      order by kind, pipeline_id, process`);
    return [...(rows as unknown as Candidate[])].map((r) => ({ ...r, currency: r.currency?.trim() ?? null }));
  }
}

const gib = (bytes: number) => `${Math.round((bytes / GIB) * 10) / 10} GB`;

/** Nextflow matches `withName` against simple and fully qualified process names. */
const configLine = (process: string, setting: string) => `process { withName: '${process.replace(/'/g, "\\'")}' { ${setting} } }`;

function titleOf(c: Candidate): string {
  switch (c.kind) {
    case 'RIGHTSIZE_MEMORY':
      return `${c.process}: request ${gib(c.recommended!)} instead of ${gib(c.current!)}`;
    case 'RIGHTSIZE_CPU':
      return `${c.process}: request ${c.recommended} cpus instead of ${c.current}`;
    case 'LOW_PRIORITY':
      return `${c.process}: run on low-priority VMs`;
    case 'IDLE_POOL':
      return `pool ${c.process}: ${Math.round(c.p95 ?? 0)}% of its bill is idle`;
    default:
      return `${c.process}: failed attempts`;
  }
}

function detailOf(c: Candidate, s: RecommendationSettings, currency: string): Record<string, unknown> {
  return { ...evidenceOf(c, s), ...currencyNoteOf(c, currency) };
}

/**
 * A price-sheet saving left in the sheet's currency says why; an IDLE_POOL saving is bill money, in the
 * bill's currency, which is never converted.
 */
function currencyNoteOf(c: Candidate, currency: string): { currencyNote?: string } {
  if (c.kind === 'IDLE_POOL' || c.currency === null || c.currency === currency) return {};
  return { currencyNote: `in ${c.currency}, not ${currency}: ${noRateNote(c.currency, currency)}` };
}

function evidenceOf(c: Candidate, s: RecommendationSettings): Record<string, unknown> {
  const base = { pipeline: c.pipeline, tasks: c.tasks, pricedTasks: c.priced_tasks, windowDays: s.windowDays };
  switch (c.kind) {
    case 'RIGHTSIZE_MEMORY':
      return { ...base, requestedBytes: c.current, peakRssP95Bytes: c.p95, recommendedBytes: c.recommended, headroom: s.headroom, config: configLine(c.process, `memory = '${gib(c.recommended!)}'`) };
    case 'RIGHTSIZE_CPU':
      return { ...base, requestedCpus: c.current, cpuPercentP95: c.p95, recommendedCpus: c.recommended, headroom: s.headroom, config: configLine(c.process, `cpus = ${c.recommended}`) };
    case 'LOW_PRIORITY':
      return { ...base, runtimeP95Minutes: c.p95, note: 'short, and every failure was retried: a preempted task is rerun', config: "Azure Batch: run these tasks in a pool with low-priority nodes (azure.batch.pools.<name>.lowPriority = true)" };
    case 'IDLE_POOL':
      return { pool: c.process, billLines: c.tasks, idlePercent: c.p95, windowDays: s.windowDays, note: 'billed node time no task used: let the pool autoscale to zero, lower its minimum nodes, or pick a smaller VM size' };
    default:
      return { ...base, note: 'money spent on attempts that failed or were aborted; the saving is what fixing their cause would return' };
  }
}
