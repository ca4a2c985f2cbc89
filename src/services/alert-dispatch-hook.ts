import { sql, type SQL } from 'drizzle-orm';
import { sendJobViaDrizzle } from '../jobs/send-job.js';

/** Fans one alert out to the organization's webhook channels (handler in jobs/webhooks.ts). */
export const ALERT_DISPATCH_QUEUE = 'alerts.dispatch';

/**
 * Called by `raiseAlert` in the raising transaction: queues webhook dispatch only when the
 * organization has an enabled channel, so raising needs no job queue otherwise (and costs one
 * indexed lookup).
 */
export async function enqueueAlertDispatch(tx: { execute(query: SQL): Promise<unknown> }, orgId: string, alertId: string): Promise<void> {
  const rows = (await tx.execute(sql`select 1 from webhook_channels where org_id = ${orgId} and enabled limit 1`)) as unknown[];
  if (rows.length === 0) return;
  const id = await sendJobViaDrizzle(tx, ALERT_DISPATCH_QUEUE, { orgId, alertId });
  if (!id) throw new Error(`pg-boss did not accept a job for queue ${ALERT_DISPATCH_QUEUE} (does the queue exist?)`);
}
