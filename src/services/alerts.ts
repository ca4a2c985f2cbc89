import { and, asc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { alerts, type AlertKind, type AlertRow, type AlertSeverity, type AlertState } from '../db/schema/index.js';
import { publishEvent, type Executor } from '../events/publish.js';
import { conflict, notFound } from '../errors.js';
import { checkPageSize, decodeTimeIdCursor, microsecondsOf, newerThan, rowsPage, type Page } from './pagination.js';
import { isUuid } from './runs.js';
import { enqueueAlertDispatch } from './alert-dispatch-hook.js';

export const ALERT_RAISED = 'alertRaised';

/** Severities in order: a channel's or a subscription's minimum, and an escalation, compare these. */
export const SEVERITY_RANK: Record<AlertSeverity, number> = { INFO: 0, WARNING: 1, CRITICAL: 2 };

export interface RaiseAlertInput {
  kind: AlertKind;
  severity: AlertSeverity;
  /** Names the occurrence: the same key raises once, whoever raises it and however often. */
  dedupeKey: string;
  title: string;
  message: string;
  subject?: Record<string, unknown>;
  details?: Record<string, unknown>;
  /**
   * Against flapping: while an alert with the same `key` was raised in the last `seconds`, this one
   * is not raised (returns null). E.g. an anomaly on one dimension value, day after day.
   */
  cooldown?: { key: string; seconds: number };
}

type Tx = Pick<Db, 'insert'> & Executor;

/** Lock namespace (first key of pg_advisory_xact_lock) for cooldown checks. */
const COOLDOWN_LOCK = 71_003;

/**
 * Raises an alert unless one with the same dedupe key exists (or, with `cooldown`, one with the same
 * cooldown key was raised within it). Returns the new row, or null when nothing was raised. Pass the
 * transaction that decided to raise it: the `alertRaised` event is a NOTIFY and webhook delivery a
 * pg-boss job, so both go out on commit, once, and never for a rolled-back decision.
 */
export async function raiseAlert(tx: Tx, orgId: string, input: RaiseAlertInput): Promise<AlertRow | null> {
  const { cooldown, ...fields } = input;
  if (cooldown) {
    // serialises raisers of one cooldown key until commit, so two cannot both see "none recent"
    await tx.execute(sql`select pg_advisory_xact_lock(${COOLDOWN_LOCK}, hashtext(${orgId + ':' + cooldown.key}))`);
    const recent = (await tx.execute(sql`
      select 1 from ${alerts} where ${alerts.orgId} = ${orgId} and ${alerts.cooldownKey} = ${cooldown.key}
        and ${alerts.raisedAt} > now() - make_interval(secs => ${cooldown.seconds}) limit 1`)) as unknown[];
    if (recent.length > 0) return null;
  }
  const [row] = await tx
    .insert(alerts)
    .values({ orgId, ...fields, cooldownKey: cooldown?.key ?? null, subject: input.subject ?? {}, details: input.details ?? {} })
    .onConflictDoNothing({ target: [alerts.orgId, alerts.dedupeKey] })
    .returning();
  if (!row) return null;
  await announceAlert(tx, orgId, row.id);
  return row;
}

/**
 * Tells listeners about an alert: the `alertRaised` event and webhook dispatch, both on commit. For a
 * new alert, and for one escalated to a higher severity: a listener or channel that wants only
 * CRITICAL hears of it then, and a channel hears of an alert once (dispatch keeps one delivery per
 * channel and alert).
 */
export async function announceAlert(tx: Executor, orgId: string, alertId: string): Promise<void> {
  await publishEvent(tx, { topic: ALERT_RAISED, orgId, key: alertId });
  await enqueueAlertDispatch(tx, orgId, alertId);
}

/** For tests and jobs: how many alerts an organization has with a dedupe key prefix. */
export async function countAlerts(db: Db, orgId: string, dedupeKeyPrefix = ''): Promise<number> {
  const [r] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from ${alerts} where ${alerts.orgId} = ${orgId} and ${alerts.dedupeKey} like ${dedupeKeyPrefix + '%'}`,
  );
  return r.n;
}

export interface AlertFilter {
  /** Raised at or after. */
  since?: Date | null;
  kinds?: AlertKind[] | null;
  states?: AlertState[] | null;
}

export class AlertService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly maxPageSize: number,
  ) {}

  private readonly owned = () => eq(alerts.orgId, this.orgId);

  async get(id: string): Promise<AlertRow> {
    const [row] = isUuid(id) ? await this.db.select().from(alerts).where(and(this.owned(), eq(alerts.id, id))) : [];
    if (!row) throw notFound('Alert', id);
    return row;
  }

  async byIds(ids: readonly string[]): Promise<AlertRow[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    return this.db.select().from(alerts).where(and(this.owned(), inArray(alerts.id, valid)));
  }

  /**
   * Oldest first, so a listener that reconnects pages forward through what it missed
   * (`alerts(since: <last raisedAt seen>)`).
   */
  async list(filter: AlertFilter, first: number, after?: string | null): Promise<Page<AlertRow>> {
    checkPageSize(first, this.maxPageSize);
    const conditions = [this.owned()];
    if (filter.since) conditions.push(gte(alerts.raisedAt, filter.since));
    if (filter.kinds?.length) conditions.push(inArray(alerts.kind, filter.kinds));
    if (filter.states?.length) conditions.push(inArray(alerts.state, filter.states));
    if (after) conditions.push(newerThan(alerts.raisedAt, alerts.id, decodeTimeIdCursor(after, 'alerts')));
    const rows = await this.db
      .select({ row: alerts, at: microsecondsOf(alerts.raisedAt) })
      .from(alerts)
      .where(and(...conditions))
      .orderBy(asc(alerts.raisedAt), asc(alerts.id))
      .limit(first + 1);
    return rowsPage(rows, first, 'alerts');
  }

  /** OPEN → ACKNOWLEDGED, recording who and when; CONFLICT from any other state. */
  async acknowledge(id: string, principalId: string): Promise<AlertRow> {
    const now = new Date();
    const [row] = isUuid(id)
      ? await this.db
          .update(alerts)
          .set({ state: 'ACKNOWLEDGED', acknowledgedAt: now, acknowledgedBy: principalId, updatedAt: now })
          .where(and(this.owned(), eq(alerts.id, id), eq(alerts.state, 'OPEN')))
          .returning()
      : [];
    if (row) return row;
    const current = await this.get(id);
    throw conflict(`alert is ${current.state}; only an OPEN alert can be acknowledged`, { field: 'id', state: current.state });
  }

  /** OPEN or ACKNOWLEDGED → RESOLVED, recording who, when and why; CONFLICT when already resolved. */
  async resolve(id: string, principalId: string, resolution?: string | null): Promise<AlertRow> {
    const now = new Date();
    const [row] = isUuid(id)
      ? await this.db
          .update(alerts)
          .set({ state: 'RESOLVED', resolvedAt: now, resolvedBy: principalId, resolution: resolution ?? null, updatedAt: now })
          .where(and(this.owned(), eq(alerts.id, id), inArray(alerts.state, ['OPEN', 'ACKNOWLEDGED'])))
          .returning()
      : [];
    if (row) return row;
    const current = await this.get(id);
    throw conflict(`alert is already ${current.state}`, { field: 'id', state: current.state });
  }
}
