import { randomBytes } from 'node:crypto';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import { errorText } from '../db/query-error.js';
import { alerts, webhookChannels, webhookDeliveries, type AlertKind, type AlertRow, type AlertSeverity, type WebhookChannelRow, type WebhookDeliveryRow, type WebhookFormat } from '../db/schema/index.js';
import { badInput, conflict, notFound } from '../errors.js';
import { sendJobViaDrizzle } from '../jobs/send-job.js';
import { checkPageSize, decodeTimeIdCursor, microsecondsOf, olderThan, rowsPage, type Page } from './pagination.js';
import { SEVERITY_RANK } from './alerts.js';
import { isUuid } from './runs.js';
import { SecretBox, SECRET_KEY_SETTING } from './secrets.js';
import { postWebhook } from './webhook-post.js';
import { namesPrivateHost, PrivateTargetError } from './webhook-target.js';
import { sign, SIGNATURE_HEADER } from './webhook-signature.js';
import { sqlStateOf } from '../db/invalid-value.js';

/** One POST of one alert to one channel (handler in jobs/webhooks.ts). */
export const WEBHOOK_DELIVER_QUEUE = 'alerts.deliver';

export interface WebhookChannelInput {
  name: string;
  url: string;
  format?: WebhookFormat | null;
  kinds?: AlertKind[] | null;
  minSeverity?: AlertSeverity | null;
}

/** null or absent: unchanged. */
export type WebhookChannelUpdate = { [K in keyof WebhookChannelInput]?: WebhookChannelInput[K] | null } & { enabled?: boolean | null };


/** Binds a stored secret to its row: a ciphertext copied onto another channel does not decrypt. */
const secretContext = (orgId: string, channelId: string) => `webhook_channels.secret_encrypted:${orgId}:${channelId}`;

/** A private address or localhost is refused here already; a name resolving to a private address when delivering (webhook-post.ts). */
function checkUrl(raw: string, allowPrivate: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badInput('url', `${JSON.stringify(raw)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw badInput('url', 'must be an http or https URL');
  if (url.username || url.password) throw badInput('url', 'must not carry credentials; the receiver verifies the signature instead');
  if (!allowPrivate && namesPrivateHost(url)) throw badInput('url', new PrivateTargetError(url.hostname).message);
  return url.toString();
}

export class WebhookService {
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly config: Pick<Config, 'secretKey' | 'maxPageSize' | 'webhooks'>,
  ) {}

  private readonly owned = () => eq(webhookChannels.orgId, this.orgId);

  private box(): SecretBox {
    if (!this.config.secretKey) {
      throw badInput('secret', `webhook channels need a signing secret kept encrypted, and the server has no ${SECRET_KEY_SETTING} (ask the operator to set it)`);
    }
    return new SecretBox(this.config.secretKey);
  }

  list(): Promise<WebhookChannelRow[]> {
    return this.db.select().from(webhookChannels).where(this.owned()).orderBy(asc(webhookChannels.name));
  }

  async get(id: string): Promise<WebhookChannelRow> {
    const [row] = isUuid(id) ? await this.db.select().from(webhookChannels).where(and(this.owned(), eq(webhookChannels.id, id))) : [];
    if (!row) throw notFound('WebhookChannel', id);
    return row;
  }

  /** Creates a channel with a fresh signing secret, returned here once and never again. */
  async create(input: WebhookChannelInput): Promise<{ channel: WebhookChannelRow; secret: string }> {
    const box = this.box();
    const name = input.name.trim();
    if (name === '' || name.length > 200) throw badInput('name', 'must be 1-200 characters');
    const url = checkUrl(input.url, this.config.webhooks.allowPrivateTargets);
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    return this.db.transaction(async (tx) => {
      const id = crypto.randomUUID();
      const [channel] = await tx
        .insert(webhookChannels)
        .values({
          orgId: this.orgId,
          id,
          name,
          url,
          format: input.format ?? 'JSON',
          kinds: input.kinds ?? [],
          minSeverity: input.minSeverity ?? 'INFO',
          secretEncrypted: box.encrypt(secret, secretContext(this.orgId, id)),
        })
        .onConflictDoNothing({ target: [webhookChannels.orgId, webhookChannels.name] })
        .returning();
      if (!channel) throw conflict(`a webhook channel named ${JSON.stringify(name)} already exists`, { field: 'name' });
      return { channel, secret };
    });
  }

  async update(id: string, patch: WebhookChannelUpdate): Promise<WebhookChannelRow> {
    await this.get(id);
    const set: Partial<typeof webhookChannels.$inferInsert> = { updatedAt: new Date() };
    if (patch.name != null) {
      if (patch.name.trim() === '' || patch.name.length > 200) throw badInput('name', 'must be 1-200 characters');
      set.name = patch.name.trim();
    }
    if (patch.url != null) set.url = checkUrl(patch.url, this.config.webhooks.allowPrivateTargets);
    if (patch.format != null) set.format = patch.format;
    if (patch.kinds != null) set.kinds = patch.kinds;
    if (patch.minSeverity != null) set.minSeverity = patch.minSeverity;
    if (patch.enabled != null) set.enabled = patch.enabled;
    try {
      const [row] = await this.db.update(webhookChannels).set(set).where(and(this.owned(), eq(webhookChannels.id, id))).returning();
      // deleted since the check above
      if (!row) throw notFound('WebhookChannel', id);
      return row;
    } catch (err) {
      if (sqlStateOf(err) === '23505') throw conflict(`a webhook channel named ${JSON.stringify(patch.name)} already exists`, { field: 'name' });
      throw err;
    }
  }

  async delete(id: string): Promise<void> {
    const deleted = isUuid(id) ? await this.db.delete(webhookChannels).where(and(this.owned(), eq(webhookChannels.id, id))).returning({ id: webhookChannels.id }) : [];
    if (deleted.length === 0) throw notFound('WebhookChannel', id);
  }

  /** Newest first: the delivery log of one channel. */
  async deliveries(channelId: string, first: number, after?: string | null): Promise<Page<WebhookDeliveryRow>> {
    checkPageSize(first, this.config.maxPageSize);
    const conditions = [eq(webhookDeliveries.orgId, this.orgId), eq(webhookDeliveries.channelId, channelId)];
    if (after) conditions.push(olderThan(webhookDeliveries.createdAt, webhookDeliveries.id, decodeTimeIdCursor(after, 'deliveries')));
    const rows = await this.db
      .select({ row: webhookDeliveries, at: microsecondsOf(webhookDeliveries.createdAt) })
      .from(webhookDeliveries)
      .where(and(...conditions))
      .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
      .limit(first + 1);
    return rowsPage(rows, first, 'deliveries');
  }

  /**
   * Step 1 of delivery (job `alerts.dispatch`): one delivery row per matching enabled channel, and
   * one `alerts.deliver` job per new row, in one transaction. Running it twice adds nothing.
   */
  async dispatch(alertId: string): Promise<number> {
    const [alert] = await this.db.select().from(alerts).where(and(eq(alerts.orgId, this.orgId), eq(alerts.id, alertId)));
    if (!alert) return 0;
    const channels = (await this.db.select().from(webhookChannels).where(and(this.owned(), eq(webhookChannels.enabled, true)))).filter(
      (c) => (c.kinds.length === 0 || c.kinds.includes(alert.kind)) && SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[c.minSeverity],
    );
    if (channels.length === 0) return 0;
    return this.db.transaction(async (tx) => {
      const created = await tx
        .insert(webhookDeliveries)
        .values(channels.map((c) => ({ orgId: this.orgId, channelId: c.id, alertId })))
        .onConflictDoNothing({ target: [webhookDeliveries.orgId, webhookDeliveries.channelId, webhookDeliveries.alertId] })
        .returning({ id: webhookDeliveries.id });
      for (const d of created) {
        const job = await sendJobViaDrizzle(tx, WEBHOOK_DELIVER_QUEUE, { orgId: this.orgId, deliveryId: d.id });
        if (!job) throw new Error(`pg-boss did not accept a job for queue ${WEBHOOK_DELIVER_QUEUE}`);
      }
      return created.length;
    });
  }

  /**
   * Step 2 (job `alerts.deliver`): one attempt. Every attempt is logged on the delivery row. Returns
   * `retry` when the job should fail so pg-boss retries it with backoff, until `retryLimit`.
   */
  async attempt(deliveryId: string, settings: Config['webhooks']): Promise<{ status: WebhookDeliveryRow['status']; retry: boolean }> {
    const [d] = await this.db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.orgId, this.orgId), eq(webhookDeliveries.id, deliveryId)));
    if (!d || d.status === 'SUCCEEDED' || d.status === 'FAILED') return { status: d?.status ?? 'FAILED', retry: false };
    const channel = await this.get(d.channelId);
    if (!channel.enabled) {
      // disabled since the alert was dispatched (its endpoint broken or no longer trusted): nothing more goes out
      await this.db
        .update(webhookDeliveries)
        .set({ status: 'FAILED', lastError: 'channel disabled', updatedAt: new Date() })
        .where(and(eq(webhookDeliveries.orgId, this.orgId), eq(webhookDeliveries.id, deliveryId)));
      return { status: 'FAILED', retry: false };
    }
    const [alert] = await this.db.select().from(alerts).where(and(eq(alerts.orgId, this.orgId), eq(alerts.id, d.alertId)));
    const body = JSON.stringify(channel.format === 'SLACK' ? slackMessage(alert) : jsonMessage(d.id, alert));
    const secret = this.box().decrypt(channel.secretEncrypted, secretContext(this.orgId, channel.id));

    const started = Date.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      statusCode = await postWebhook(channel.url, {
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: sign(secret, body), 'x-gct-delivery': d.id, 'x-gct-event': 'alert.raised', 'user-agent': 'GenomeCostTracker-Webhook/1' },
        body,
        timeoutMs: settings.timeoutMs,
        allowPrivate: settings.allowPrivateTargets,
      });
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (err) {
      error = (err as Error).name === 'TimeoutError' ? `no answer within ${settings.timeoutMs} ms` : errorText(err).slice(0, 500);
    }
    const attempts = d.attempts + 1;
    const ok = error === null;
    const status = ok ? 'SUCCEEDED' : attempts > settings.retryLimit ? 'FAILED' : 'RETRYING';
    const entry = { at: new Date(started).toISOString(), statusCode, error, durationMs: Date.now() - started };
    await this.db
      .update(webhookDeliveries)
      .set({
        status,
        attempts,
        lastStatusCode: statusCode,
        lastError: error,
        lastAttemptAt: new Date(started),
        deliveredAt: ok ? new Date() : null,
        log: sql`${webhookDeliveries.log} || ${JSON.stringify([entry])}::jsonb`,
        updatedAt: new Date(),
      })
      .where(and(eq(webhookDeliveries.orgId, this.orgId), eq(webhookDeliveries.id, deliveryId)));
    return { status, retry: status === 'RETRYING' };
  }
}

/** The JSON format: the alert as the GraphQL `Alert` type shows it. */
export function jsonMessage(deliveryId: string, alert: AlertRow) {
  return {
    type: 'alert.raised',
    deliveryId,
    alert: {
      id: alert.id,
      organizationId: alert.orgId,
      kind: alert.kind,
      severity: alert.severity,
      state: alert.state,
      dedupeKey: alert.dedupeKey,
      title: alert.title,
      message: alert.message,
      subject: alert.subject,
      details: alert.details,
      raisedAt: alert.raisedAt.toISOString(),
    },
  };
}

const SLACK_EMOJI: Record<AlertSeverity, string> = { INFO: ':information_source:', WARNING: ':warning:', CRITICAL: ':rotating_light:' };

/** Slack incoming-webhook format (also understood by Mattermost and Teams' Slack-compatible hooks). */
export function slackMessage(alert: AlertRow) {
  const text = `${SLACK_EMOJI[alert.severity]} *${alert.title}*\n${alert.message}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${alert.kind} · ${alert.severity} · ${alert.raisedAt.toISOString()} · alert ${alert.id}` }] },
    ],
  };
}
