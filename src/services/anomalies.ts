import { and, desc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { alerts, anomalies, type AlertSeverity, type AnomalyContributor, type AnomalyFeedback, type AnomalyRow, type CostDimension } from '../db/schema/index.js';
import { badInput, notFound } from '../errors.js';
import { calendarDay, isCalendarDay } from '../input/dates.js';
import { raiseAlert } from './alerts.js';
import { boundedKey } from './bounded-key.js';
import { checkPageSize, decodeCursor, toPage, type Page } from './pagination.js';
import { isUuid } from './runs.js';

export type AnomalySettings = Config['anomalies'];

/** Dimensions read from bill lines; PROJECT and PIPELINE come from reconciled runs (as budgets do). */
const BILL_DIMENSIONS: CostDimension[] = ['ORGANIZATION', 'SERVICE', 'RESOURCE_GROUP', 'TAG'];
export const ALL_DIMENSIONS: CostDimension[] = ['ORGANIZATION', 'PROJECT', 'PIPELINE', 'SERVICE', 'RESOURCE_GROUP', 'TAG'];

/** One dimension value's cost on the target day against its history. Money as decimal strings. */
export interface SeriesStats {
  dimension: CostDimension;
  key: string;
  value: string;
  currency: string;
  actual: string;
  expected: string;
  impact: string;
  historyDays: number;
  score: number;
}

/** A slice of the bill: one dimension value (for root-cause breakdowns). */
interface Slice {
  dimension: CostDimension;
  key: string;
  value: string;
}

function billDimensionRows(dims: CostDimension[]): SQL {
  const parts: SQL[] = [];
  if (dims.includes('ORGANIZATION')) parts.push(sql`select 'ORGANIZATION' as dim, '' as dkey, '' as dvalue`);
  // every branch names its columns: the first one present decides the names
  if (dims.includes('SERVICE')) parts.push(sql`select 'SERVICE' as dim, '' as dkey, coalesce(c.service_name, '') as dvalue`);
  if (dims.includes('RESOURCE_GROUP')) parts.push(sql`select 'RESOURCE_GROUP' as dim, '' as dkey, coalesce(c.resource_group, '') as dvalue`);
  if (dims.includes('TAG')) parts.push(sql`select 'TAG' as dim, t.key as dkey, t.value as dvalue from jsonb_each_text(c.tags) t`);
  return sql.join(parts, sql` union all `);
}

function sliceFilter(slice: Slice | null): SQL {
  if (!slice) return sql`true`;
  switch (slice.dimension) {
    case 'ORGANIZATION':
      return sql`true`;
    case 'SERVICE':
      return sql`coalesce(c.service_name, '') = ${slice.value}`;
    case 'RESOURCE_GROUP':
      return sql`coalesce(c.resource_group, '') = ${slice.value}`;
    case 'TAG':
      return sql`c.tags ->> ${slice.key} = ${slice.value}`;
    default:
      throw new Error(`no bill slice for ${slice.dimension}`);
  }
}

/**
 * Daily cost per dimension value over [day − windowDays, day], and for each value with cost on `day`:
 * the median of its history (days before `day` on which the organization has any bill, missing
 * values as 0), the MAD, and the robust z-score. All money stays numeric in SQL; only the score
 * (a ratio) is a float. The scale has a floor (5% of the median, 0.01) so a perfectly flat
 * history does not turn a cent of jitter into an infinite score.
 */
export async function seriesStats(db: Db, orgId: string, day: string, windowDays: number, dims: CostDimension[], slice: Slice | null = null): Promise<SeriesStats[]> {
  const from = sql`(${day}::date - ${windowDays}::int)::timestamp at time zone 'UTC'`;
  const to = sql`(${day}::date + 1)::timestamp at time zone 'UTC'`;
  const parts: SQL[] = [];
  const billDims = dims.filter((d) => BILL_DIMENSIONS.includes(d));
  if (billDims.length > 0) {
    parts.push(sql`
      select d.dim, d.dkey, d.dvalue, c.currency::text as currency, (c.charge_period_start at time zone 'UTC')::date as day, sum(c.billed_cost) as cost
      from cost_records c cross join lateral (${billDimensionRows(billDims)}) d
      where c.org_id = ${orgId} and c.charge_period_start >= ${from} and c.charge_period_start < ${to} and ${sliceFilter(slice)}
      group by 1, 2, 3, 4, 5`);
  }
  const runTime = sql`coalesce(r.started_at, r.submitted_at, r.created_at)`;
  if (!slice && dims.includes('PROJECT')) {
    parts.push(sql`
      select 'PROJECT', '', p.code, r.currency::text, (${runTime} at time zone 'UTC')::date, sum(r.actual_cost)
      from runs r join projects p on p.org_id = r.org_id and p.id = r.project_id
      where r.org_id = ${orgId} and r.actual_cost is not null and ${runTime} >= ${from} and ${runTime} < ${to}
      group by 1, 2, 3, 4, 5`);
  }
  if (!slice && dims.includes('PIPELINE')) {
    parts.push(sql`
      select 'PIPELINE', '', pl.name, r.currency::text, (${runTime} at time zone 'UTC')::date, sum(r.actual_cost)
      from runs r join pipelines pl on pl.org_id = r.org_id and pl.id = r.pipeline_id
      where r.org_id = ${orgId} and r.actual_cost is not null and ${runTime} >= ${from} and ${runTime} < ${to}
      group by 1, 2, 3, 4, 5`);
  }
  if (parts.length === 0) return [];
  const rows = await db.execute<{ dim: CostDimension; dkey: string; dvalue: string; currency: string; actual: string; expected: string; impact: string; n: number; score: number }>(sql`
    with series as (${sql.join(parts, sql` union all `)}),
    days as (
      select distinct (charge_period_start at time zone 'UTC')::date as day from cost_records
      where org_id = ${orgId} and charge_period_start >= ${from} and charge_period_start < ${day}::timestamp at time zone 'UTC'
    ),
    target as (select dim, dkey, dvalue, currency, cost from series where day = ${day}::date),
    filled as (
      select t.dim, t.dkey, t.dvalue, t.currency, coalesce(s.cost, 0) as cost
      from target t cross join days d
      left join series s on s.dim = t.dim and s.dkey = t.dkey and s.dvalue = t.dvalue and s.currency = t.currency and s.day = d.day
    ),
    med as (
      select dim, dkey, dvalue, currency, percentile_disc(0.5) within group (order by cost) as median, count(*)::int as n
      from filled group by 1, 2, 3, 4
    ),
    mad as (
      select f.dim, f.dkey, f.dvalue, f.currency, percentile_disc(0.5) within group (order by abs(f.cost - m.median)) as mad
      from filled f join med m using (dim, dkey, dvalue, currency) group by 1, 2, 3, 4
    )
    select t.dim, t.dkey, t.dvalue, t.currency, t.cost::text as actual, m.median::text as expected, (t.cost - m.median)::text as impact, m.n,
           ((t.cost - m.median) / greatest(1.4826 * a.mad, 0.05 * abs(m.median), 0.01))::float8 as score
    from target t join med m using (dim, dkey, dvalue, currency) join mad a using (dim, dkey, dvalue, currency)`);
  return rows.map((r) => ({ dimension: r.dim, key: r.dkey, value: r.dvalue, currency: r.currency, actual: r.actual, expected: r.expected, impact: r.impact, historyDays: r.n, score: r.score }));
}

const severityOf = (score: number): AlertSeverity => (score >= 8 ? 'CRITICAL' : score >= 5 ? 'WARNING' : 'INFO');

export interface DetectionReport {
  day: string | null;
  series: number;
  found: AnomalyRow[];
  /** Anomalies stored for the day before that no longer stand out (clearStale). */
  cleared: number;
}

/**
 * Finds the anomalies of one day (default: the newest day the organization's bill reaches), stores
 * them (a re-run updates in place, and clears those that no longer stand out) and raises one ANOMALY
 * alert each, with a cooldown per dimension value so a level shift alerts once, not every day.
 */
export async function detectAnomalies(db: Db, orgId: string, settings: AnomalySettings, opts: { day?: string } = {}): Promise<DetectionReport> {
  let day = opts.day ?? null;
  if (day !== null) calendarDay('day', day);
  if (day === null) day = await newestBillDay(db, orgId);
  if (day === null) return { day: null, series: 0, found: [], cleared: 0 };

  const stats = await seriesStats(db, orgId, day, settings.windowDays, ALL_DIMENSIONS);
  const flagged: SeriesStats[] = [];
  for (const s of stats) {
    if (s.historyDays < settings.minHistoryDays || s.score < settings.threshold) continue;
    // money compared in SQL numeric
    const [{ big }] = await db.execute<{ big: boolean }>(sql`select ${s.impact}::numeric >= ${settings.minImpact}::numeric as big`);
    if (big) flagged.push(s);
  }

  const found: AnomalyRow[] = [];
  for (const s of flagged) {
    const contributors = await rootCause(db, orgId, day, settings.windowDays, s);
    const severity = severityOf(s.score);
    // the anomaly's and its alert's keys are indexed; the subject and contributors keep the values whole
    const keyed = boundedSeries(s);
    const row = await db.transaction(async (tx) => {
      const [a] = await tx
        .insert(anomalies)
        .values({ orgId, day: day!, dimension: s.dimension, dimensionKey: keyed.key, dimensionValue: keyed.value, currency: s.currency, actual: s.actual, expected: s.expected, impact: s.impact, score: s.score, severity, historyDays: s.historyDays, contributors })
        .onConflictDoUpdate({
          target: [anomalies.orgId, anomalies.day, anomalies.dimension, anomalies.dimensionKey, anomalies.dimensionValue, anomalies.currency],
          set: { actual: s.actual, expected: s.expected, impact: s.impact, score: s.score, severity, historyDays: s.historyDays, contributors, updatedAt: new Date() },
        })
        .returning();
      if (a.alertId || a.feedback) return a;
      const label = describe(keyed);
      const alert = await raiseAlert(tx, orgId, {
        kind: 'ANOMALY',
        severity,
        dedupeKey: `anomaly:${s.dimension}:${keyed.key}:${keyed.value}:${s.currency}:${day}`,
        title: `Cost anomaly: ${label} on ${day}`,
        message: `${s.actual} ${s.currency} against an expected ${s.expected} (+${s.impact}, robust z ${s.score.toFixed(1)})${contributors[0] ? `; top contributor ${describe(boundedSeries(contributors[0]))} +${contributors[0].impact}` : ''}`,
        subject: { anomalyId: a.id, dimension: s.dimension, key: s.key, value: s.value, day },
        details: { actual: s.actual, expected: s.expected, impact: s.impact, currency: s.currency, score: s.score, contributors },
        cooldown: { key: `anomaly:${s.dimension}:${keyed.key}:${keyed.value}:${s.currency}`, seconds: settings.cooldownHours * 3600 },
      });
      if (!alert) return a;
      const [linked] = await tx.update(anomalies).set({ alertId: alert.id }).where(and(eq(anomalies.orgId, orgId), eq(anomalies.id, a.id))).returning();
      return linked;
    });
    found.push(row);
  }
  const cleared = await clearStale(db, orgId, day, flagged);
  return { day, series: stats.length, found, cleared };
}

/**
 * Days detected again on each run, the newest included. The newest day is usually still filling (a sync
 * brings today's partial lines, Azure lags a day) and is revised for about 72 h: a day checked only while
 * it was newest would never be checked whole. Oldest first, so a rise that lasts alerts on its first day.
 */
export const ANOMALY_RECHECK_DAYS = 3;

/** Detects the newest day of the organization's bill and the ANOMALY_RECHECK_DAYS − 1 days before it. */
export async function detectRecentAnomalies(db: Db, orgId: string, settings: AnomalySettings): Promise<DetectionReport[]> {
  const day = await newestBillDay(db, orgId);
  if (day === null) return [];
  const newest = Date.parse(`${day}T00:00:00Z`);
  const reports: DetectionReport[] = [];
  for (let back = ANOMALY_RECHECK_DAYS - 1; back >= 0; back--) {
    reports.push(await detectAnomalies(db, orgId, settings, { day: new Date(newest - back * 86_400_000).toISOString().slice(0, 10) }));
  }
  return reports;
}

/** The newest UTC day the organization's bill reaches (YYYY-MM-DD), or null without a bill. */
async function newestBillDay(db: Db, orgId: string): Promise<string | null> {
  const [latest] = await db.execute<{ day: string | null }>(sql`select (max(charge_period_start) at time zone 'UTC')::date::text as day from cost_records where org_id = ${orgId}`);
  return latest.day;
}

/** A series or contributor with its key and value as they are indexed and shown in an alert's title (boundedKey). */
const boundedSeries = <T extends { key: string; value: string }>(s: T): T => ({ ...s, key: boundedKey(s.key), value: boundedKey(s.value) });

// stored anomalies hold bounded keys and detected series whole values: both sides compared bounded
const seriesKey = (s: { dimension: string; dimensionKey?: string; key?: string; dimensionValue?: string; value?: string; currency: string }) =>
  JSON.stringify([s.dimension, boundedKey(s.dimensionKey ?? s.key ?? ''), boundedKey(s.dimensionValue ?? s.value ?? ''), s.currency]);

/**
 * After a day is detected again (its bill restated, e.g. a preliminary line corrected), the day's
 * stored anomalies that no longer stand out are gone from it: deleted, and their alerts resolved as
 * cleared, no longer holding the cooldown of their dimension value (a real rise the next day must
 * alert). One someone gave feedback on stays, with its feedback; its alert is resolved all the same.
 */
async function clearStale(db: Db, orgId: string, day: string, flagged: SeriesStats[]): Promise<number> {
  const still = new Set(flagged.map(seriesKey));
  return db.transaction(async (tx) => {
    const stored = await tx.select().from(anomalies).where(and(eq(anomalies.orgId, orgId), eq(anomalies.day, day))).for('update');
    const stale = stored.filter((a) => !still.has(seriesKey(a)));
    if (stale.length === 0) return 0;
    const alertIds = stale.map((a) => a.alertId).filter((id): id is string => id !== null);
    if (alertIds.length > 0) {
      await tx
        .update(alerts)
        // its dedupe key is freed too: should the day stand out again (the real late lines arrive), that is a new alert
        .set({
          state: 'RESOLVED',
          resolvedAt: new Date(),
          resolution: `cleared: the bill of ${day} was restated and no longer stands out`,
          cooldownKey: null,
          dedupeKey: sql`${alerts.dedupeKey} || ':cleared:' || ${alerts.id}::text`,
          updatedAt: new Date(),
        })
        .where(and(eq(alerts.orgId, orgId), inArray(alerts.id, alertIds), inArray(alerts.state, ['OPEN', 'ACKNOWLEDGED'])));
    }
    const unannotated = stale.filter((a) => a.feedback === null).map((a) => a.id);
    if (unannotated.length > 0) await tx.delete(anomalies).where(and(eq(anomalies.orgId, orgId), inArray(anomalies.id, unannotated)));
    return stale.length;
  });
}

const describe = (s: { dimension: CostDimension; key: string; value: string }) =>
  s.dimension === 'ORGANIZATION' ? 'the organization' : s.dimension === 'TAG' ? `tag ${s.key}=${s.value}` : `${s.dimension.toLowerCase().replace('_', ' ')} ${s.value || '(none)'}`;

/**
 * Root cause: within the anomaly's slice of the bill, the values of the other dimensions whose cost
 * rose most against their own history that day (top 5 by impact). Run-based dimensions (project,
 * pipeline) have no bill slice and get none.
 */
async function rootCause(db: Db, orgId: string, day: string, windowDays: number, s: SeriesStats): Promise<AnomalyContributor[]> {
  if (!BILL_DIMENSIONS.includes(s.dimension)) return [];
  const dims = BILL_DIMENSIONS.filter((d) => d !== 'ORGANIZATION' && (d !== s.dimension || d === 'TAG'));
  const inner = await seriesStats(db, orgId, day, windowDays, dims, s);
  return inner
    .filter((c) => c.currency === s.currency && !(c.dimension === s.dimension && c.key === s.key) && Number(c.impact) > 0)
    .sort((a, b) => Number(b.impact) - Number(a.impact))
    .slice(0, 5)
    .map((c) => ({ dimension: c.dimension, key: c.key, value: c.value, actual: c.actual, expected: c.expected, impact: c.impact }));
}

/** Organizations with any bill line (the scheduled detection visits only these). */
export async function orgsWithCosts(db: Db): Promise<string[]> {
  const rows = await db.execute<{ id: string }>(sql`select id from organizations o where exists (select 1 from cost_records c where c.org_id = o.id)`);
  return rows.map((r) => r.id);
}

export interface AnomalyFilter {
  from?: string | null;
  to?: string | null;
  dimensions?: CostDimension[] | null;
}

export class AnomalyService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly maxPageSize: number,
  ) {}

  private readonly owned = () => eq(anomalies.orgId, this.orgId);

  async get(id: string): Promise<AnomalyRow> {
    const [row] = isUuid(id) ? await this.db.select().from(anomalies).where(and(this.owned(), eq(anomalies.id, id))) : [];
    if (!row) throw notFound('Anomaly', id);
    return row;
  }

  /** Newest day first, biggest impact first within a day. */
  async list(filter: AnomalyFilter, first: number, after?: string | null): Promise<Page<AnomalyRow>> {
    checkPageSize(first, this.maxPageSize);
    for (const f of ['from', 'to'] as const) if (filter[f] != null) calendarDay(f, filter[f]!);
    const conditions = [this.owned()];
    if (filter.from) conditions.push(gte(anomalies.day, filter.from));
    if (filter.to) conditions.push(lte(anomalies.day, filter.to));
    if (filter.dimensions?.length) conditions.push(inArray(anomalies.dimension, filter.dimensions));
    if (after) {
      const [d, id] = decodeCursor(after, 'anomalies', 2);
      if (!isCalendarDay(d) || typeof id !== 'string' || !isUuid(id)) throw badInput('after', 'is not a cursor this API returned');
      conditions.push(sql`(${anomalies.day}, ${anomalies.id}) < (${d}::date, ${id}::uuid)`);
    }
    const rows = await this.db.select().from(anomalies).where(and(...conditions)).orderBy(desc(anomalies.day), desc(anomalies.id)).limit(first + 1);
    return toPage(rows, first, 'anomalies', (r) => [r.day, r.id]);
  }

  /** Kept: who said it was expected / not an anomaly, when and why. */
  async giveFeedback(id: string, feedback: AnomalyFeedback, principalId: string, note?: string | null): Promise<AnomalyRow> {
    await this.get(id);
    const [row] = await this.db
      .update(anomalies)
      .set({ feedback, feedbackNote: note ?? null, feedbackBy: principalId, feedbackAt: new Date(), updatedAt: new Date() })
      .where(and(this.owned(), eq(anomalies.id, id)))
      .returning();
    return row;
  }
}
