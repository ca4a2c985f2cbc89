import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { badInput } from '../errors.js';
import { instantInYears } from '../input/dates.js';
import { pieceCostCentre, rulesFingerprint, rulesOf } from './allocation-rules.js';
import { actualPieces, heldDays, isMidnightUtc, rollupPieces } from './cost-rollup.js';
import { checkPageSize, decodeOffsetCursor, offsetPage, type Page } from './pagination.js';

export const EXPLORER_DIMENSIONS = ['PROJECT', 'PIPELINE', 'RUN', 'SAMPLE', 'PROCESS', 'SERVICE', 'RESOURCE_GROUP', 'REGION', 'PROVIDER', 'TAG', 'COST_CENTRE'] as const;
export type ExplorerDimension = (typeof EXPLORER_DIMENSIONS)[number];
export const GRANULARITIES = ['DAY', 'WEEK', 'MONTH'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
export const METRICS = ['ACTUAL', 'ESTIMATE', 'BOTH'] as const;
export type Metric = (typeof METRICS)[number];
export const MAX_BREAKDOWN_DIMENSIONS = 5;

export interface ExplorerGroupBy {
  dimension: ExplorerDimension;
  tagKey?: string | null;
}

export interface ExplorerFilter {
  from: Date;
  /** Exclusive. */
  to: Date;
  project?: string[] | null;
  pipeline?: string[] | null;
  service?: string[] | null;
  resourceGroup?: string[] | null;
  region?: string[] | null;
  provider?: string[] | null;
}

export interface BreakdownQuery {
  filter: ExplorerFilter;
  groupBy: readonly ExplorerGroupBy[];
  /** null: no period key (one group over the whole window). */
  granularity: Granularity | null;
  metric: Metric;
}

export interface BreakdownRow {
  period: string | null;
  /** One value per groupBy entry, in order. */
  keys: (string | null)[];
  currency: string;
  actual: string | null;
  estimate: string | null;
  /** The same keys (period aside) over the window just before, of the same length. */
  previousActual: string | null;
  runs: number;
  samples: number;
  inputBytes: string | null;
  costPerRun: string | null;
  costPerSample: string | null;
  costPerGb: string | null;
}

export interface BreakdownTotal {
  currency: string;
  actual: string | null;
  estimate: string | null;
  previousActual: string | null;
}

const PERIOD_SQL: Record<Granularity, string> = { DAY: 'day', WEEK: 'week', MONTH: 'month' };

/**
 * The cost explorer: the bill, as split over runs, samples and processes by reconciliation, sliced by
 * workflow and bill dimensions. ACTUAL is the effective cost (FOCUS EffectiveCost, else billed) of
 * every bill line — its reconciled allocations where it has them (task, idle, unallocated pieces),
 * the whole line while it is not reconciled yet — so totals equal the bill whatever the grouping.
 * ESTIMATE is the runs' current estimates, dated by run start; bill dimensions are null for it.
 * Amounts are summed in SQL numeric, per currency; units (per run, per sample, per GB of input)
 * divide in numeric too. Days the daily rollup holds are read from it (services/cost-rollup): the
 * same pieces, pre-summed per day, so a month is thousands of rows instead of millions.
 */
export class CostExplorerService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly maxPageSize: number,
  ) {}

  /** Per window, for this service's life (one request): the page and the totals of a request share one lookup. */
  readonly #held = new Map<string, ReturnType<typeof heldDays>>();

  private heldDays(from: Date, to: Date, rulesHash?: string): ReturnType<typeof heldDays> {
    const key = `${from.toISOString()}/${to.toISOString()}/${rulesHash ?? ''}`;
    let held = this.#held.get(key);
    if (!held) {
      held = heldDays(this.db, this.orgId, from, to, rulesHash);
      this.#held.set(key, held);
      held.catch(() => this.#held.delete(key));
    }
    return held;
  }

  async breakdown(q: BreakdownQuery, first: number, after?: string | null): Promise<Page<BreakdownRow>> {
    checkPageSize(first, this.maxPageSize);
    const offset = decodeOffsetCursor(after, 'breakdown');
    const query = await this.query(q);
    const result = (await this.db.execute(sql`${query} limit ${first + 1} offset ${offset}`)) as unknown as Record<string, unknown>[];
    return offsetPage([...result].map((r) => toRow(r, q.groupBy.length)), first, offset, 'breakdown');
  }

  async totals(q: BreakdownQuery): Promise<BreakdownTotal[]> {
    const query = await this.query({ ...q, groupBy: [], granularity: null });
    const result = (await this.db.execute(query)) as unknown as Record<string, unknown>[];
    return [...result].map((r) => ({ currency: String(r.currency).trim(), actual: str(r.actual), estimate: str(r.estimate), previousActual: str(r.previous_actual) }));
  }

  /** The whole ordered result as SQL, for pages (`limit/offset` appended) and for raw-SQL baselines. */
  async query(q: BreakdownQuery): Promise<SQL> {
    const dims = validate(q);
    const { from, to } = q.filter;
    const previousFrom = new Date(from.getTime() - (to.getTime() - from.getTime()));
    const costCentres = dims.some((d) => d.dimension === 'COST_CENTRE');
    const rules = costCentres ? await rulesOf(this.db, this.orgId) : [];
    const keyOf = (d: ExplorerGroupBy): SQL => {
      switch (d.dimension) {
        case 'PROJECT': return sql`u.project`;
        case 'PIPELINE': return sql`u.pipeline`;
        case 'RUN': return sql`u.run_key::text`;
        case 'SAMPLE': return sql`u.sample`;
        case 'PROCESS': return sql`u.process`;
        case 'SERVICE': return sql`u.service_name`;
        case 'RESOURCE_GROUP': return sql`u.resource_group`;
        case 'REGION': return sql`u.region_id`;
        case 'PROVIDER': return sql`u.provider`;
        case 'TAG': return sql`u.tags ->> ${d.tagKey}`;
        case 'COST_CENTRE': return sql`u.cost_centre`;
      }
    };
    // grouped as a timestamp, formatted once per group at the end
    const period = q.granularity ? sql`date_trunc(${PERIOD_SQL[q.granularity]}, p.at at time zone 'UTC')` : sql`null::timestamp`;
    const keys = dims.map((d, i) => sql`${keyOf(d)} as ${sql.raw(`k${i}`)}`);
    const keyCols = dims.map((_, i) => sql.raw(`k${i}`));
    const groupCols = sql.join([...keyCols.map((k) => sql`p.${k}`), sql`p.currency`], sql`, `);
    const keyList = (prefix: string) => sql.join([sql.raw(`${prefix}period`), ...dims.map((_, i) => sql.raw(`${prefix}k${i}`)), sql.raw(`${prefix}currency`)], sql`, `);
    const sameKeys = sql.join([sql`g.currency = prev.currency`, ...dims.map((_, i) => sql`g.${sql.raw(`k${i}`)} is not distinct from prev.${sql.raw(`k${i}`)}`)], sql` and `);
    const wantActual = q.metric !== 'ESTIMATE';
    const wantEstimate = q.metric !== 'ACTUAL';
    const f = q.filter;
    const conditions = (alias: string): SQL => {
      const c: SQL[] = [];
      const anyOf = (values: string[] | null | undefined, expr: SQL) => {
        if (values?.length) c.push(sql`${expr} in (${sql.join(values.map((v) => sql`${v}`), sql`, `)})`);
      };
      anyOf(f.project, sql.raw(`${alias}.project`));
      anyOf(f.pipeline, sql.raw(`${alias}.pipeline`));
      anyOf(f.service, sql.raw(`${alias}.service_name`));
      anyOf(f.resourceGroup?.map((v) => v.toLowerCase()), sql.raw(`lower(${alias}.resource_group)`));
      anyOf(f.region, sql.raw(`${alias}.region_id`));
      anyOf(f.provider, sql.raw(`${alias}.provider`));
      return c.length ? sql.join(c, sql` and `) : sql`true`;
    };
    const org = this.orgId;
    const window = (col: string, start: Date) => sql`${sql.raw(col)} >= ${start.toISOString()}::timestamptz and ${sql.raw(col)} < ${to.toISOString()}::timestamptz`;

    // the bill over [previousFrom, to): from the daily rollup for the days it holds (when the window is
    // whole UTC days; for cost centres, the days built under the current rules), from the detail for
    // the others; both with the columns of actualPieces and the cost centre
    const rollup = isMidnightUtc(previousFrom) && isMidnightUtc(to);
    const { held, missing } = rollup
      ? await this.heldDays(previousFrom, to, costCentres ? rulesFingerprint(rules) : undefined)
      : { held: [], missing: [{ from: previousFrom.toISOString(), to: to.toISOString() }] };
    const detail = sql`select x.*, ${costCentres ? pieceCostCentre(rules, 'x') : sql`null::text`} as cost_centre from (${actualPieces(org, missing)}) x`;
    const actualSources = [held.length ? rollupPieces(org, held) : null, missing.length ? detail : null].filter((s): s is SQL => s !== null);
    const actual = sql`select y.*, 'A' as metric from (${sql.join(actualSources, sql` union all `)}) y`;
    const estimate = sql`
      select coalesce(r.started_at, r.submitted_at, r.created_at) as at, r.estimated_cost as amount, r.currency, r.id as run_key, true as explained,
             null::text as provider, null::text as service_name, null::text as resource_group, r.region as region_id, '{}'::jsonb as tags, null::text as resource_id, null::text as sku_id,
             null::text as sample, null::text as process, pr.code as project, pp.name as pipeline, null::text as cost_centre, 'E' as metric
      from runs r
      left join projects pr on pr.org_id = r.org_id and pr.id = r.project_id
      left join pipelines pp on pp.org_id = r.org_id and pp.id = r.pipeline_id
      where r.org_id = ${org} and r.estimated_cost is not null and ${window('coalesce(r.started_at, r.submitted_at, r.created_at)', previousFrom)}`;
    const sources = [wantActual ? actual : null, wantEstimate ? estimate : null].filter((s): s is SQL => s !== null);
    const current = window('p.at', from);
    return sql`
      with p as (
        -- only what the groups need: read twice (this window, the previous one), p is materialized, and
        -- carrying the bill's tags along made it spill to disk for a year
        select u.at, u.amount, u.currency, u.metric, u.run_key, u.sample${sql.join(keys.map((k) => sql`, ${k}`), sql``)}
        from (${sql.join(sources, sql` union all `)}) u where ${conditions('u')}),
      g as (
        select ${period} as period, ${groupCols},
               sum(p.amount) filter (where p.metric = 'A') as actual,
               sum(p.amount) filter (where p.metric = 'E') as estimate,
               count(distinct p.run_key)::int as runs,
               -- unit costs divide the actual by the runs it is of, not by runs only estimated (metric BOTH)
               count(distinct p.run_key) filter (where p.metric = 'A')::int as actual_runs,
               count(distinct (p.run_key, p.sample)) filter (where p.sample is not null)::int as samples,
               array_agg(distinct p.run_key) filter (where p.run_key is not null) as run_keys,
               array_agg(distinct p.run_key) filter (where p.run_key is not null and p.metric = 'A') as actual_run_keys
        from p where ${current}
        group by ${keyList('')}
      ),
      prev as (
        select ${groupCols}, sum(p.amount) as actual
        from p where p.metric = 'A' and p.at < ${from.toISOString()}::timestamptz
        group by ${sql.join([...keyCols, sql`currency`], sql`, `)}
      )
      select to_char(g.period, 'YYYY-MM-DD') as period, ${sql.join([...keyCols.map((k) => sql`g.${k}`), sql`g.currency`], sql`, `)},
             g.actual::text, g.estimate::text, prev.actual::text as previous_actual, g.runs, g.samples,
             ib.input_bytes::text as input_bytes,
             round(g.actual / nullif(g.actual_runs, 0), 10)::text as cost_per_run,
             round(g.actual / nullif(g.samples, 0), 10)::text as cost_per_sample,
             round(g.actual / nullif(ib.actual_input_bytes / 1e9, 0), 10)::text as cost_per_gb
      from g
      left join prev on ${sameKeys}
      left join lateral (
        select sum(r.input_bytes)::numeric as input_bytes, sum(r.input_bytes) filter (where r.id = any(g.actual_run_keys))::numeric as actual_input_bytes
        from runs r where r.org_id = ${org} and r.id = any(g.run_keys)) ib on true
      order by ${sql.join([sql.raw('g.period'), ...dims.map((_, i) => sql.raw(`g.k${i}`)), sql.raw('g.currency')].map((c) => sql`${c} nulls last`), sql`, `)}`;
  }
}

function validate(q: BreakdownQuery): ExplorerGroupBy[] {
  const { from, to } = q.filter;
  instantInYears('filter.from', from);
  instantInYears('filter.to', to);
  if (!(from < to)) throw badInput('filter.to', 'must be after filter.from');
  if (!METRICS.includes(q.metric)) throw badInput('metric', `one of ${METRICS.join(', ')}`);
  if (q.granularity !== null && !GRANULARITIES.includes(q.granularity)) throw badInput('granularity', `one of ${GRANULARITIES.join(', ')}`);
  if (q.groupBy.length > MAX_BREAKDOWN_DIMENSIONS) throw badInput('groupBy', `at most ${MAX_BREAKDOWN_DIMENSIONS} dimensions`);
  const seen = new Set<string>();
  return q.groupBy.map((g, i) => {
    if (!EXPLORER_DIMENSIONS.includes(g.dimension)) throw badInput(`groupBy.${i}.dimension`, `unknown dimension ${JSON.stringify(g.dimension)}`);
    if (g.dimension === 'TAG' ? !g.tagKey : g.tagKey != null) throw badInput(`groupBy.${i}.tagKey`, g.dimension === 'TAG' ? 'TAG needs the tag key' : `only TAG takes a tag key, not ${g.dimension}`);
    const id = g.dimension === 'TAG' ? `TAG:${g.tagKey}` : g.dimension;
    if (seen.has(id)) throw badInput(`groupBy.${i}`, `${id} is given twice`);
    seen.add(id);
    return { dimension: g.dimension, tagKey: g.dimension === 'TAG' ? g.tagKey : null };
  });
}

const str = (v: unknown) => (v == null ? null : String(v));

function toRow(r: Record<string, unknown>, n: number): BreakdownRow {
  return {
    period: str(r.period),
    keys: Array.from({ length: n }, (_, i) => str(r[`k${i}`])),
    currency: String(r.currency).trim(),
    actual: str(r.actual),
    estimate: str(r.estimate),
    previousActual: str(r.previous_actual),
    runs: Number(r.runs),
    samples: Number(r.samples),
    inputBytes: str(r.input_bytes),
    costPerRun: str(r.cost_per_run),
    costPerSample: str(r.cost_per_sample),
    costPerGb: str(r.cost_per_gb),
  };
}
