import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { raiseAlert } from '../../src/services/alerts.js';
import { WebhookService } from '../../src/services/webhooks.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';
import { untilWaitingOnLock } from '../support/lock-wait.js';
import { until } from '../support/until.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * What a receiver does, written from the README and independent of src/: HMAC-SHA256 over
 * "<t>.<raw body>" with the channel's secret, compared in constant time, timestamp recent.
 */
function verifySignature(secret: string, body: string, header: string | undefined): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!m) return false;
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${m[1]}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(m[2], 'hex'));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('webhook channels', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let receiver: Server;
  let base: string;
  const received: Received[] = [];
  /** Paths that answer 500 on their first request (to exercise retries). */
  const failFirst = new Set<string>(['/hooks/json?token=abc']);

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '';
        received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        if (failFirst.delete(path)) res.writeHead(500).end('try later');
        else res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    // the receiver listens on loopback: this server is told it may deliver there
    t = await startTestApp({ env: { GCT_SECRET_KEY: randomBytes(32).toString('hex'), GCT_WEBHOOK_RETRY_DELAY_SECONDS: '1', GCT_WEBHOOK_RETRY_LIMIT: '3', GCT_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    keys = await createOrgWithKeys(t.db, 'hooks-org');
  });
  after(async () => {
    await t.close();
    await new Promise((r) => receiver.close(r));
  });

  const CREATE = `mutation($input: CreateWebhookChannelInput!) { createWebhookChannel(input: $input) { secret channel { id name url format minSeverity } } }`;
  const waitFor = async (check: () => boolean, ms = 60_000) => {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (check()) return;
    assert.fail(`waited ${ms} ms; received ${JSON.stringify(received.map((r) => r.path))}`);
  };

  test('an alert is POSTed signed (verified by the receiver), retried after a 500, and the delivery log shows both attempts', async () => {
    const denied = await t.gql(CREATE, { input: { name: 'x', url: `${base}/x` } }, keys.analyst);
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
    const bad = await t.gql(CREATE, { input: { name: 'x', url: 'ftp://example.org/x' } }, keys.admin);
    assert.equal(bad.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.equal(bad.errors?.[0].extensions?.field, 'url');

    const json = await t.gql(CREATE, { input: { name: 'ops', url: `${base}/hooks/json?token=abc` } }, keys.admin);
    assert.equal(json.errors, undefined, JSON.stringify(json.errors));
    const { secret, channel } = json.data!.createWebhookChannel;
    assert.equal(channel.url, `${base}/hooks/json`, 'the query string is not shown');
    const slack = await t.gql(CREATE, { input: { name: 'slack', url: `${base}/hooks/slack`, format: 'SLACK', minSeverity: 'CRITICAL' } }, keys.admin);
    assert.equal(slack.errors, undefined, JSON.stringify(slack.errors));
    // renamed onto the other channel's name: CONFLICT, not an internal error
    const clash = await t.gql(`mutation($id: ID!) { updateWebhookChannel(id: $id, input: { name: "ops" }) { name } }`, { id: slack.data!.createWebhookChannel.channel.id }, keys.admin);
    assert.equal(clash.errors?.[0].extensions?.code, 'CONFLICT', JSON.stringify(clash.errors));
    assert.match(clash.errors![0].message, /a webhook channel named "ops" already exists/);

    const org = keys.org.id;
    const warning = await t.db.db.transaction((tx) =>
      raiseAlert(tx, org, { kind: 'BUDGET_ACTUAL', severity: 'WARNING', dedupeKey: 'hook:1', title: 'Budget "Lab": spend reached 80%', message: 'billed 700 + in flight 150 of 1000 USD' }),
    );
    await waitFor(() => received.filter((r) => r.path === '/hooks/json?token=abc').length >= 2);
    const [firstTry, retry] = received.filter((r) => r.path === '/hooks/json?token=abc');
    for (const r of [firstTry, retry]) {
      assert.ok(verifySignature(secret, r.body, r.headers['x-gct-signature'] as string), 'signature verifies');
      assert.equal(verifySignature(secret, r.body + ' ', r.headers['x-gct-signature'] as string), false, 'a changed body does not');
      assert.equal(verifySignature('whsec_wrong', r.body, r.headers['x-gct-signature'] as string), false);
    }
    const payload = JSON.parse(retry.body);
    assert.equal(payload.type, 'alert.raised');
    assert.equal(payload.alert.id, warning!.id);
    assert.equal(payload.alert.severity, 'WARNING');
    assert.equal(retry.headers['x-gct-delivery'], firstTry.headers['x-gct-delivery'], 'a retry is the same delivery');

    const Q = `query($id: ID!) { webhookChannel(id: $id) { deliveries(first: 10) { edges { node { alertId status attempts lastStatusCode log { statusCode error } } } } } }`;
    let node: { alertId: string; status: string; attempts: number; lastStatusCode: number; log: { statusCode: number }[] } | undefined;
    // the delivery is recorded once the receiver's answer is read, a moment after the receiver saw the request
    await until(() => `a SUCCEEDED delivery, have ${JSON.stringify(node)}`, async () => {
      node = (await t.gql(Q, { id: channel.id }, keys.analyst)).data?.webhookChannel.deliveries.edges[0]?.node;
      return node?.status === 'SUCCEEDED';
    }, { everyMs: 100 });
    assert.equal(node?.status, 'SUCCEEDED');
    assert.equal(node?.alertId, warning!.id);
    assert.equal(node?.attempts, 2);
    assert.deepEqual(node?.log.map((a) => a.statusCode), [500, 204]);
    // below the Slack channel's minimum severity: nothing went there
    assert.equal(received.filter((r) => r.path === '/hooks/slack').length, 0);

    await t.db.db.transaction((tx) => raiseAlert(tx, org, { kind: 'ANOMALY', severity: 'CRITICAL', dedupeKey: 'hook:2', title: 'Spike in rg-batch', message: 'x' }));
    await waitFor(() => received.some((r) => r.path === '/hooks/slack'));
    const s = received.find((r) => r.path === '/hooks/slack')!;
    const msg = JSON.parse(s.body);
    assert.match(msg.text, /Spike in rg-batch/);
    assert.ok(Array.isArray(msg.blocks));
    assert.ok(verifySignature(slack.data!.createWebhookChannel.secret, s.body, s.headers['x-gct-signature'] as string));
  });

  test('by default a channel cannot reach private, loopback or link-local addresses, by address or by a name resolving to one', async () => {
    const publicOnly = { ...t.app.config.webhooks, allowPrivateTargets: false };
    const strict = new WebhookService(t.db.db, keys.org.id, { ...t.app.config, webhooks: publicOnly });
    for (const url of [
      'http://127.0.0.1:9/x', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/', 'http://[::1]/x', 'http://[::ffff:192.168.0.1]/', 'http://localhost:8080/',
      // the metadata endpoint through a NAT64 gateway, the IPv4-compatible form of loopback, site-local
      'http://[64:ff9b::a9fe:a9fe]/latest', 'http://[::127.0.0.1]/', 'http://[fec0::1]/',
    ]) {
      await assert.rejects(strict.create({ name: 'internal', url }), (e: unknown) => e instanceof AppError && e.code === 'BAD_USER_INPUT' && e.details.field === 'url' && /private/.test(e.message), url);
    }
    // a channel saved while private targets were allowed, delivered once they are not: by address and by name
    const lenient = new WebhookService(t.db.db, keys.org.id, t.app.config);
    const org = keys.org.id;
    const alert = await t.db.db.transaction((tx) => raiseAlert(tx, org, { kind: 'ESTIMATE_DRIFT', severity: 'INFO', dedupeKey: 'hook:private', title: 'drift', message: 'm' }));
    for (const [name, url] of [['by-address', `${base}/private/address`], ['by-name', `${base.replace('127.0.0.1', 'localhost')}/private/name`]]) {
      const { channel } = await lenient.create({ name, url, kinds: ['BUDGET_FORECAST'] });
      const [delivery] = await t.db.sql<{ id: string }[]>`insert into webhook_deliveries (org_id, channel_id, alert_id) values (${org}, ${channel.id}, ${alert!.id}) returning id`;
      const result = await strict.attempt(delivery.id, publicOnly);
      assert.equal(result.status, 'RETRYING');
      const [row] = await t.db.sql<{ last_error: string; last_status_code: number | null }[]>`select last_error, last_status_code from webhook_deliveries where org_id = ${org} and id = ${delivery.id}`;
      assert.match(row.last_error, /private/, name);
      assert.equal(row.last_status_code, null);
      // allowed again, the same delivery goes through
      assert.equal((await lenient.attempt(delivery.id, t.app.config.webhooks)).status, 'SUCCEEDED', name);
    }
    assert.equal(received.filter((r) => r.path.startsWith('/private/')).length, 2, 'only the allowed attempts reached the receiver');
  });

  test('a channel disabled after an alert was dispatched to it gets no more attempts', async () => {
    const service = new WebhookService(t.db.db, keys.org.id, t.app.config);
    const org = keys.org.id;
    const alert = await t.db.db.transaction((tx) => raiseAlert(tx, org, { kind: 'ESTIMATE_DRIFT', severity: 'INFO', dedupeKey: 'hook:disabled', title: 'drift', message: 'm' }));
    const { channel } = await service.create({ name: 'soon-off', url: `${base}/disabled`, kinds: ['BUDGET_FORECAST'] });
    const [delivery] = await t.db.sql<{ id: string }[]>`insert into webhook_deliveries (org_id, channel_id, alert_id) values (${org}, ${channel.id}, ${alert!.id}) returning id`;
    await service.update(channel.id, { enabled: false });
    assert.deepEqual(await service.attempt(delivery.id, t.app.config.webhooks), { status: 'FAILED', retry: false });
    const [row] = await t.db.sql<{ status: string; last_error: string }[]>`select status, last_error from webhook_deliveries where org_id = ${org} and id = ${delivery.id}`;
    assert.deepEqual([row.status, row.last_error], ['FAILED', 'channel disabled']);
    assert.equal(received.filter((r) => r.path === '/disabled').length, 0);
  });

  test('a channel deleted while an update waits for it answers NOT_FOUND, not an empty channel', async () => {
    const service = new WebhookService(t.db.db, keys.org.id, t.app.config);
    const { channel } = await service.create({ name: 'going', url: `${base}/going`, kinds: ['BUDGET_FORECAST'] });
    // another session holds the channel's row, so the update passes its existence check and then waits
    const other = await t.db.sql.reserve();
    try {
      await other`begin`;
      await other`select id from webhook_channels where id = ${channel.id} for update`;
      const update = service.update(channel.id, { name: 'gone-by-then' });
      // a promise that is not yet rejected-handled: a NOT_FOUND before the wait would be unhandled, so observe it now
      update.catch(() => undefined);
      await untilWaitingOnLock(t.db.sql, '%webhook_channels%');
      await other`delete from webhook_channels where id = ${channel.id}`;
      await other`commit`;
      await assert.rejects(update, (err: unknown) => err instanceof AppError && err.code === 'NOT_FOUND');
    } finally {
      other.release();
    }
  });

  test('without GCT_SECRET_KEY a channel is refused (its secret would have to be stored in plain text)', async () => {
    const service = new WebhookService(t.db.db, keys.org.id, { secretKey: undefined, maxPageSize: 50, webhooks: t.app.config.webhooks });
    await assert.rejects(service.create({ name: 'n', url: `${base}/n` }), (e: unknown) => e instanceof AppError && e.code === 'BAD_USER_INPUT' && /GCT_SECRET_KEY/.test(e.message));
  });
});
