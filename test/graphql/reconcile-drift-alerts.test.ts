/**
 * Estimate drift alerts follow the bill as it arrives: a run whose tasks span midnight UTC, its bill
 * loaded and reconciled one day at a time, then restated. Checked through the running server: the
 * `alerts` query, the `alertRaised` subscription and a webhook channel.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { tasks } from '../../src/db/schema/index.js';
import { raiseAlert } from '../../src/services/alerts.js';
import { PoolService } from '../../src/services/pools.js';
import { ProjectService } from '../../src/services/projects.js';
import { reconcile } from '../../src/services/reconcile.js';
import { RunService } from '../../src/services/runs.js';
import { createOrgWithKeys, startTestApp, untilSubscribers, type TestApp } from '../support/app.js';
import { collect, wsClient, type Collected } from '../support/ws-client.js';
import { DAY, DAY1, DAY2, HOUR, POOL, RESOURCE, SHARE, TASKS, VM } from '../support/midnight-run.js';

/** What one node of the pool bills an hour (USD). */
const HOURLY = 0.192;
/** The quote the run was given (USD). */
const QUOTE = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The hours of [from, from + 1 day) some task ran in: with idle shared, each such hour's line is wholly the run's. */
function usedHours(from: number): number[] {
  const hours: number[] = [];
  for (let h = from; h < from + DAY; h += HOUR) if (TASKS.some((x) => x.start < h + HOUR && x.end > h)) hours.push(h);
  return hours;
}

interface DriftAlert {
  id: string;
  raisedAt: string;
  updatedAt: string;
  state: string;
  severity: string;
  title: string;
  message: string;
  dedupeKey: string;
  subject: { runId?: string };
  details: { kind?: string; actual?: string; errorRatio?: string };
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolution: string | null;
}

describe('estimate drift alerts as a run is billed day by day', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let org: string;
  let runId: string;
  let receiver: Server;
  let channelUrl: string;
  const posts: { alertId: string; state: string }[] = [];
  /** The channel path each post went to, in the same order. */
  const paths: string[] = [];
  const clients: { dispose(): void | Promise<void> }[] = [];
  let raised: Collected<{ alertRaised: { id: string; kind: string; severity: string } }>;
  /** Bill lines per hour (ms) → cost, as loaded so far. */
  const bill = new Map<number, string>();

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { alert: { id: string; state: string } };
        posts.push({ alertId: body.alert.id, state: body.alert.state });
        paths.push(req.url ?? '');
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    channelUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/drift`;
    t = await startTestApp({ env: { GCT_SECRET_KEY: randomBytes(32).toString('hex'), GCT_WEBHOOK_ALLOW_PRIVATE: 'true', GCT_WEBHOOK_RETRY_DELAY_SECONDS: '1' } });
    keys = await createOrgWithKeys(t.db, 'drift-org');
    org = keys.org.id;
    await new ProjectService(t.db.db, org).create({ code: 'P', name: 'p' });
    await new PoolService(t.db.db, org).declare({ name: POOL, region: 'westeurope', vmSize: VM, priority: 'DEDICATED', resourceId: RESOURCE });
    const run = await new RunService(t.db.db, org, 500).register({ projectCode: 'P', pipeline: 'wgs', sampleCount: 1, inputBytes: 1e10, runName: 'across-midnight' });
    runId = run.id;
    await t.db.db.execute(sql`update runs set status = 'SUCCEEDED', started_at = ${new Date(TASKS[0].start).toISOString()}::timestamptz,
      completed_at = ${new Date(TASKS[2].end).toISOString()}::timestamptz where org_id = ${org} and id = ${runId}`);
    await t.db.db.insert(tasks).values(TASKS.map((x, i) => ({
      orgId: org, runId, taskId: i + 1, process: 'CALL', source: 'trace' as const, status: 'COMPLETED' as const,
      submittedAt: new Date(x.start), startedAt: new Date(x.start), completedAt: new Date(x.end), realtimeMs: x.end - x.start,
      cpus: 2, vmSize: VM, priority: 'DEDICATED' as const, pool: POOL,
    })));
    await t.db.db.execute(sql`insert into estimates (org_id, run_id, kind, model_name, model_version, value, currency, created_at)
      values (${org}, ${runId}, 'QUOTE', 'price-sheet', '1', ${QUOTE.toFixed(2)}, 'USD', ${new Date(TASKS[0].start - DAY).toISOString()}::timestamptz)`);

    const channel = await t.gql(`mutation($input: CreateWebhookChannelInput!) { createWebhookChannel(input: $input) { channel { id } } }`,
      { input: { name: 'drift', url: channelUrl, kinds: ['ESTIMATE_DRIFT'], minSeverity: 'INFO' } }, keys.admin);
    assert.equal(channel.errors, undefined, JSON.stringify(channel.errors));
    const client = wsClient(t.url, keys.viewer);
    clients.push(client);
    raised = collect(client, `subscription { alertRaised(kinds: [ESTIMATE_DRIFT]) { id kind severity } }`);
    await untilSubscribers(t, 1);
  });
  after(async () => {
    for (const c of clients) await c.dispose();
    await t?.close();
    await new Promise((r) => receiver.close(r));
  });

  /** Loads (or restates) hourly lines of the pool: one node, `cost` an hour unless given per hour. */
  async function loadBill(from: number, to: number, costOf: (h: number) => string = () => HOURLY.toFixed(3)): Promise<void> {
    await t.db.db.execute(sql`select cost_records_ensure_partitions(${new Date(from).toISOString()}, ${new Date(to).toISOString()})`);
    for (let h = from; h < to; h += HOUR) {
      const cost = costOf(h);
      bill.set(h, cost);
      await t.db.db.execute(sql`
        insert into cost_records (org_id, provider, resource_id, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
        values (${org}, 'azure', ${RESOURCE}, ${new Date(h).toISOString()}::timestamptz, ${new Date(h + HOUR).toISOString()}::timestamptz, ${cost}, 'USD', 1, '1 Hour', 'file',
          md5(${org}::text || ${String(h)})::uuid)
        on conflict do nothing`);
      await t.db.db.execute(sql`update cost_records set billed_cost = ${cost} where org_id = ${org} and charge_period_start = ${new Date(h).toISOString()}::timestamptz`);
    }
  }
  /** The run's actual as the bill so far says it (idle shared: every hour it used is its own). */
  const expectedActual = () => [DAY1, DAY2].flatMap(usedHours).reduce((s, h) => s + Number(bill.get(h) ?? 0), 0);
  const reconcileDay = (day: number) => reconcile(t.db.db, org, { from: new Date(day), to: new Date(day + DAY) }, SHARE);

  async function driftAlerts(states?: string[]): Promise<DriftAlert[]> {
    const res = await t.gql(
      `query($states: [AlertState!]) { alerts(kinds: [ESTIMATE_DRIFT], states: $states, first: 50) { edges { node {
        id state severity title message dedupeKey subject details raisedAt updatedAt resolvedAt resolvedBy resolution } } } }`,
      { states },
      keys.viewer,
    );
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.alerts.edges.map((e: { node: DriftAlert }) => e.node);
  }
  const runState = async () => {
    const [r] = (await t.db.db.execute(sql`select billed_in_full, actual_cost::float8 as actual from runs where org_id = ${org} and id = ${runId}`)) as unknown as { billed_in_full: boolean; actual: number }[];
    const [e] = (await t.db.db.execute(sql`select error_ratio::float8 as ratio from estimate_errors where org_id = ${org} and run_id = ${runId}`)) as unknown as { ratio: number }[];
    return { billed: r.billed_in_full, actual: r.actual, ratio: e?.ratio };
  };
  const dispatchJobs = async () => {
    const [r] = (await t.db.db.execute(sql`
      select count(*)::int as n from (select data from pgboss.job where name = 'alerts.dispatch' union all select data from pgboss.archive where name = 'alerts.dispatch') j
      where j.data->>'orgId' = ${org}`)) as unknown as { n: number }[];
    return r.n;
  };
  const waitForPosts = async (n: number) => {
    for (let i = 0; i < 200 && posts.length < n; i++) await sleep(100);
    assert.equal(posts.length, n, JSON.stringify(posts));
  };

  test('the first day of the bill: the error is recorded, but a run not billed in full raises no drift alert', async () => {
    await loadBill(DAY1, DAY2);
    const record = await reconcileDay(DAY1);
    const s = await runState();
    assert.equal(s.billed, false);
    assert.ok(Math.abs(s.actual - expectedActual()) < 1e-9, `${s.actual} vs ${expectedActual()}`);
    // the quote against half the run: over by about 100%
    assert.ok(Math.abs(s.ratio - (QUOTE / expectedActual() - 1)) < 1e-9 && s.ratio > 1, String(s.ratio));
    assert.equal(record.estimateErrors, 1);
    assert.equal(record.driftAlerts, 0);
    assert.deepEqual(await driftAlerts(), []);
  });

  test('the second day bills the run in full within the threshold: the alert a partial bill raised before is resolved, saying why', async () => {
    // what reconciliation raised on the first day's bill before drift waited for a run billed in full (one per
    // estimate, by this key): still open in databases of that time
    const [estimate] = (await t.db.db.execute(sql`select id from estimates where org_id = ${org} and run_id = ${runId}`)) as unknown as { id: string }[];
    const raisedBefore = await t.db.db.transaction((tx) =>
      raiseAlert(tx, org, {
        kind: 'ESTIMATE_DRIFT', severity: 'CRITICAL', dedupeKey: `estimate-drift:${estimate.id}`,
        title: 'QUOTE estimate over actual by 108.3%', message: `price-sheet@1 estimated 2.00 USD for run ${runId}; the bill says 0.96 USD.`,
        subject: { runId, estimateId: estimate.id, pipeline: 'wgs', modelName: 'price-sheet', modelVersion: '1' },
        details: { kind: 'QUOTE', estimated: '2.00', actual: '0.96', currency: 'USD', errorRatio: '1.0833', threshold: 0.2 },
      }),
    );
    const [stale] = (await t.db.db.execute(sql`select id from alerts where org_id = ${org} and dedupe_key = ${`estimate-drift:${estimate.id}`}`)) as unknown as { id: string }[];
    assert.ok(raisedBefore === null || raisedBefore.id === stale.id);
    await raised.waitFor(1);
    await waitForPosts(1);
    const jobs = await dispatchJobs();

    await loadBill(DAY2, DAY2 + DAY);
    const record = await reconcileDay(DAY2);
    const s = await runState();
    assert.equal(s.billed, true);
    assert.ok(Math.abs(s.actual - expectedActual()) < 1e-9, `${s.actual} vs ${expectedActual()}`);
    assert.ok(Math.abs(s.ratio - (QUOTE / expectedActual() - 1)) < 1e-9 && Math.abs(s.ratio) < 0.2, String(s.ratio));
    assert.equal(record.driftAlerts, 0);

    const [alert, ...more] = await driftAlerts();
    assert.deepEqual(more, []);
    assert.equal(alert.id, stale.id);
    assert.equal(alert.state, 'RESOLVED');
    assert.ok(alert.resolvedAt && Math.abs(Date.parse(alert.resolvedAt) - Date.now()) < 60_000);
    assert.equal(alert.resolvedBy, null, 'resolved by reconciliation, not by a person');
    assert.match(alert.resolution!, new RegExp(`reconciliation ${record.id}`));
    assert.match(alert.resolution!, /within 20%/);
    // like any resolved alert: no event, no webhook
    await sleep(500);
    assert.equal(raised.items.length, 1);
    assert.equal(await dispatchJobs(), jobs);
    assert.equal(posts.length, 1);
  });

  test('a restated bill: drifting raises one alert, drifting further updates it, back within the threshold resolves it; the raise and the escalation are heard', async () => {
    // a channel that wants only CRITICAL alerts
    const critical = await t.gql(`mutation($input: CreateWebhookChannelInput!) { createWebhookChannel(input: $input) { channel { id } } }`,
      { input: { name: 'critical', url: channelUrl.replace('/hooks/drift', '/hooks/critical'), kinds: ['ESTIMATE_DRIFT'], minSeverity: 'CRITICAL' } }, keys.admin);
    assert.equal(critical.errors, undefined, JSON.stringify(critical.errors));
    const heard = raised.items.length;
    const jobs = await dispatchJobs();
    const spike = DAY2 + 2 * HOUR;

    // the bill of one hour revised up: the quote is now under the actual by 20.6%
    await loadBill(DAY2, DAY2 + DAY, (h) => (h === spike ? '0.792' : HOURLY.toFixed(3)));
    const first = await reconcileDay(DAY2);
    assert.equal(first.driftAlerts, 1);
    let s = await runState();
    assert.ok(s.billed && s.ratio < -0.2 && s.ratio > -0.4, JSON.stringify(s));
    const [open, ...others] = await driftAlerts(['OPEN', 'ACKNOWLEDGED']);
    assert.deepEqual(others, []);
    assert.equal(open.severity, 'WARNING');
    assert.equal(open.subject.runId, runId);
    assert.equal(open.details.kind, 'QUOTE');
    assert.match(open.title, /^QUOTE estimate under actual by 20\.6%$/);
    const [ev] = (await raised.waitFor(heard + 1)).slice(heard);
    assert.equal(ev.alertRaised.id, open.id);
    await waitForPosts(2);
    assert.deepEqual(posts[1], { alertId: open.id, state: 'OPEN' });
    assert.equal(paths[1], '/hooks/drift', 'a WARNING goes to the channel that takes every severity only');
    const ack = await t.gql(`mutation($id: ID!) { acknowledgeAlert(id: $id) { state } }`, { id: open.id }, keys.viewer);
    assert.equal(ack.errors, undefined, JSON.stringify(ack.errors));

    // revised again, further: the same alert now says CRITICAL and the new amount
    await loadBill(DAY2, DAY2 + DAY, (h) => (h === spike ? '1.992' : HOURLY.toFixed(3)));
    const second = await reconcileDay(DAY2);
    assert.equal(second.driftAlerts, 0);
    s = await runState();
    assert.ok(s.ratio < -0.4, String(s.ratio));
    const [updated, ...extra] = await driftAlerts(['OPEN', 'ACKNOWLEDGED']);
    assert.deepEqual(extra, []);
    assert.equal(updated.id, open.id);
    assert.equal(updated.state, 'ACKNOWLEDGED', 'who acknowledged it still has');
    assert.equal(updated.severity, 'CRITICAL');
    assert.match(updated.title, /^QUOTE estimate under actual by 46\.2%$/);
    assert.ok(Math.abs(Number(updated.details.actual) - expectedActual()) < 1e-9, JSON.stringify(updated.details));
    assert.match(updated.message, new RegExp(`the bill says ${expectedActual().toFixed(2).replace('.', '\\.')}`));
    assert.equal(updated.dedupeKey, open.dedupeKey);
    assert.ok(Date.parse(updated.updatedAt) > Date.parse(updated.raisedAt), JSON.stringify(updated));
    // escalated: heard again, as the same alert, by the subscription and by the CRITICAL channel only
    const [escalated] = (await raised.waitFor(heard + 2)).slice(heard + 1);
    assert.deepEqual(escalated.alertRaised, { id: open.id, kind: 'ESTIMATE_DRIFT', severity: 'CRITICAL' });
    await waitForPosts(3);
    assert.deepEqual(posts[2], { alertId: open.id, state: 'ACKNOWLEDGED' });
    assert.equal(paths[2], '/hooks/critical');

    // corrected: back within the threshold, resolved
    await loadBill(DAY2, DAY2 + DAY);
    const third = await reconcileDay(DAY2);
    s = await runState();
    assert.ok(Math.abs(s.ratio) < 0.2, String(s.ratio));
    assert.equal(third.driftAlerts, 0);
    assert.deepEqual(await driftAlerts(['OPEN', 'ACKNOWLEDGED']), []);
    const resolved = (await driftAlerts(['RESOLVED'])).find((a) => a.id === open.id)!;
    assert.equal(resolved.resolvedBy, null);
    assert.match(resolved.resolution!, new RegExp(`reconciliation ${third.id}.*within 20%`));
    // the resolution was neither an event nor a webhook
    await sleep(500);
    assert.equal(raised.items.length, heard + 2);
    assert.equal(await dispatchJobs(), jobs + 2);
    assert.equal(posts.length, 3);

    // revised up once more: a new occurrence, a new alert (the resolved one stays as it was)
    await loadBill(DAY2, DAY2 + DAY, (h) => (h === spike ? '0.792' : HOURLY.toFixed(3)));
    const fourth = await reconcileDay(DAY2);
    assert.equal(fourth.driftAlerts, 1);
    const [again, ...rest] = await driftAlerts(['OPEN', 'ACKNOWLEDGED']);
    assert.deepEqual(rest, []);
    assert.notEqual(again.id, open.id);
    assert.equal((await raised.waitFor(heard + 3))[heard + 2].alertRaised.id, again.id);
    assert.equal((await driftAlerts(['RESOLVED'])).find((a) => a.id === open.id)?.state, 'RESOLVED');
  });
});
