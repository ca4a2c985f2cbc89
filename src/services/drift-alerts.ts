/**
 * ESTIMATE_DRIFT alerts, kept in step with the bill by each reconciliation: at most one unresolved
 * alert per run and estimate kind (QUOTE, LIVE), about the run's newest estimate of that kind.
 *
 * - Raised only for a run billed in full (history.billedInFull): until then its actual is what the bill
 *   holds so far (after the first day's lines, half of a run that crossed midnight), against which any
 *   estimate looks high.
 * - Drifting still (billed in full): the unresolved alert is updated (severity, title, message,
 *   figures) instead of another being raised. Not a new alert, so no `alertRaised` event or webhook,
 *   unless its severity rose (announceAlert): a CRITICAL-only listener must hear of it.
 * - Back within the threshold, on whatever the bill holds now: what the alert says no longer stands,
 *   so it is resolved with a note, as an anomaly a restated bill clears is (anomalies.ts): no event or
 *   webhook, as for any resolution, and its dedupe key freed, so a later drift is a new alert.
 * An alert a person resolved keeps its key: the same run and kind drifting again raises nothing; so does
 * one a person resolved before alerts were kept per run and kind (keyed by estimate), found by subject.
 * - A run reconciled to no actual (its lines replaced, or restated in another currency) or an actual of
 *   zero has nothing its estimate can drift from: its unresolved alerts are resolved.
 * Unresolved alerts are found by their subject, not their key: alerts raised before this (keyed by
 * estimate) and those of a run merged into another (capture/run-claim.ts) are found too.
 */
import { and, desc, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { alerts, type AlertSeverity } from '../db/schema/index.js';
import { announceAlert, raiseAlert, SEVERITY_RANK } from './alerts.js';
import { pushTo } from '../models/index.js';

/** A run's newest estimate of one kind against its actual, as reconciliation just recorded it. */
export interface DriftReading {
  estimate_id: string;
  run_id: string;
  kind: string;
  model_name: string;
  model_version: string;
  estimated: string;
  actual: string;
  currency: string;
  /** Null when the actual is zero: nothing to compare with. */
  error_ratio: string | null;
  drifted: boolean;
  billed_in_full: boolean;
  pipeline: string | null;
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

const UNRESOLVED = ['OPEN', 'ACKNOWLEDGED'] as const;
const percentOf = (ratio: number) => Math.round(ratio * 1000) / 10;
const dedupeKey = (r: DriftReading) => `estimate-drift:${r.run_id}:${r.kind}`;
const pairKey = (runId: string, kind: string) => `${runId}|${kind}`;

/** What the alert says about a drifting reading. */
function driftFields(r: DriftReading, threshold: number) {
  const ratio = Number(r.error_ratio);
  const percent = percentOf(ratio);
  return {
    severity: (Math.abs(ratio) > threshold * 2 ? 'CRITICAL' : 'WARNING') as AlertSeverity,
    title: `${r.kind} estimate ${percent > 0 ? 'over' : 'under'} actual by ${Math.abs(percent)}%`,
    message: `${r.model_name}@${r.model_version} estimated ${r.estimated} ${r.currency} for run ${r.run_id}${r.pipeline ? ` (${r.pipeline})` : ''}; the bill says ${r.actual} ${r.currency}.`,
    subject: { runId: r.run_id, estimateId: r.estimate_id, pipeline: r.pipeline, modelName: r.model_name, modelVersion: r.model_version },
    details: { kind: r.kind, estimated: r.estimated, actual: r.actual, currency: r.currency, errorRatio: r.error_ratio, threshold },
  };
}

/** Resolves alerts on the system's behalf, freeing their dedupe keys. */
async function resolveAll(tx: Tx, orgId: string, ids: string[], resolution: string): Promise<void> {
  if (ids.length === 0) return;
  const now = new Date();
  await tx
    .update(alerts)
    .set({ state: 'RESOLVED', resolvedAt: now, resolution, dedupeKey: sql`${alerts.dedupeKey} || ':resolved:' || ${alerts.id}::text`, updatedAt: now })
    .where(and(eq(alerts.orgId, orgId), inArray(alerts.id, ids), inArray(alerts.state, [...UNRESOLVED])));
}

/**
 * Brings the drift alerts of the readings' runs in line with them (one reading per run and kind).
 * Run inside the reconciliation's transaction, which holds the organization's reconciliation lock, so
 * no other reconciliation changes these alerts meanwhile. Returns how many alerts were raised.
 */
export async function settleDriftAlerts(
  tx: Tx,
  orgId: string,
  reconciliationId: string,
  threshold: number,
  readings: DriftReading[],
  /** Runs this reconciliation left without an actual cost: nothing to compare with. */
  withoutActual: string[] = [],
): Promise<number> {
  if (readings.length === 0 && withoutActual.length === 0) return 0;
  const runIds = [...new Set([...readings.map((r) => r.run_id), ...withoutActual])];
  const runId = sql<string>`${alerts.subject}->>'runId'`;
  // the open alerts (to update or clear) and the ones a person resolved (not raised again), in one read
  const found = await tx
    .select({ id: alerts.id, runId, kind: sql<string>`${alerts.details}->>'kind'`, severity: alerts.severity, state: alerts.state })
    .from(alerts)
    .where(and(eq(alerts.orgId, orgId), eq(alerts.kind, 'ESTIMATE_DRIFT'),
      or(inArray(alerts.state, [...UNRESOLVED]), and(eq(alerts.state, 'RESOLVED'), isNotNull(alerts.resolvedBy))),
      sql`${runId} in (select jsonb_array_elements_text(${JSON.stringify(runIds)}::jsonb))`))
    .orderBy(desc(alerts.raisedAt), desc(alerts.id))
    .for('update');
  const unresolved = found.filter((a) => a.state !== 'RESOLVED');
  const dismissed = new Set(found.filter((a) => a.state === 'RESOLVED').map((a) => pairKey(a.runId, a.kind)));
  // newest first within each pair: the one a drift updates
  const byPair = new Map<string, string[]>();
  for (const a of unresolved) pushTo(byPair, pairKey(a.runId, a.kind), a.id);
  const severityOf = new Map(unresolved.map((a) => [a.id, a.severity]));

  const noActual = new Set(withoutActual);
  const gone = unresolved.filter((a) => noActual.has(a.runId)).map((a) => a.id);
  await resolveAll(tx, orgId, gone, `cleared: reconciliation ${reconciliationId} left the run without an actual cost to compare its estimate with (its bill lines were replaced or restated in another currency)`);

  let raised = 0;
  for (const r of readings) {
    const [current, ...older] = byPair.get(pairKey(r.run_id, r.kind)) ?? [];
    if (r.error_ratio === null) {
      await resolveAll(tx, orgId, [current, ...older].filter(Boolean), `cleared: reconciliation ${reconciliationId} put the run's actual cost at 0 ${r.currency}: nothing to compare its ${r.kind} estimate with`);
    } else if (!r.drifted) {
      const signed = percentOf(Number(r.error_ratio));
      await resolveAll(tx, orgId, [current, ...older].filter(Boolean),
        `cleared: reconciliation ${reconciliationId} put the ${r.kind} estimate within ${percentOf(threshold)}% of the actual ` +
          `(${signed > 0 ? '+' : ''}${signed}%: ${r.model_name}@${r.model_version} estimated ${r.estimated} ${r.currency}, the bill says ${r.actual} ${r.currency})`);
    } else if (r.billed_in_full && current) {
      const fields = driftFields(r, threshold);
      await tx.update(alerts).set({ ...fields, updatedAt: new Date() }).where(and(eq(alerts.orgId, orgId), eq(alerts.id, current)));
      if (SEVERITY_RANK[fields.severity] > SEVERITY_RANK[severityOf.get(current)!]) await announceAlert(tx, orgId, current);
      await resolveAll(tx, orgId, older, `superseded by alert ${current}: one drift alert per run and estimate kind`);
    } else if (r.billed_in_full && !dismissed.has(pairKey(r.run_id, r.kind))) {
      if (await raiseAlert(tx, orgId, { kind: 'ESTIMATE_DRIFT', dedupeKey: dedupeKey(r), ...driftFields(r, threshold) })) raised++;
    }
  }
  return raised;
}
