import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { alerts, type AlertKind, type AlertRow, type AlertSeverity } from '../db/schema/index.js';
import { publishEvent, type Executor } from '../events/publish.js';

export const ALERT_RAISED = 'alertRaised';

export interface RaiseAlertInput {
  kind: AlertKind;
  severity: AlertSeverity;
  /** Names the occurrence: the same key raises once, whoever raises it and however often. */
  dedupeKey: string;
  title: string;
  message: string;
  subject?: Record<string, unknown>;
  details?: Record<string, unknown>;
}

type Tx = Pick<Db, 'insert'> & Executor;

/**
 * Raises an alert unless one with the same dedupe key exists. Returns the new row, or null when it
 * was already raised. Pass the transaction that decided to raise it: the `alertRaised` event is a
 * NOTIFY, so it goes out on commit, once, and never for a rolled-back decision.
 */
export async function raiseAlert(tx: Tx, orgId: string, input: RaiseAlertInput): Promise<AlertRow | null> {
  const [row] = await tx
    .insert(alerts)
    .values({ orgId, ...input, subject: input.subject ?? {}, details: input.details ?? {} })
    .onConflictDoNothing({ target: [alerts.orgId, alerts.dedupeKey] })
    .returning();
  if (!row) return null;
  await publishEvent(tx, { topic: ALERT_RAISED, orgId, key: row.id });
  return row;
}

/** For tests and jobs: how many alerts an organization has with a dedupe key prefix. */
export async function countAlerts(db: Db, orgId: string, dedupeKeyPrefix = ''): Promise<number> {
  const [r] = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from ${alerts} where ${alerts.orgId} = ${orgId} and ${alerts.dedupeKey} like ${dedupeKeyPrefix + '%'}`,
  );
  return r.n;
}
