/**
 * Organization scoping at entry points the other tenancy tests do not reach: webhook channels by id,
 * job payloads that pair one organization with another's ids, a stored report downloaded by id, a
 * weblog event naming another organization's registered run, and a cursor carried from one
 * organization into another. Each must leave the other organization's rows unread and unchanged.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ALERT_DISPATCH_QUEUE } from '../../src/services/alert-dispatch-hook.js';
import { raiseAlert } from '../../src/services/alerts.js';
import { LIVE_ESTIMATE_QUEUE } from '../../src/jobs/live-estimate.js';
import { WEBHOOK_DELIVER_QUEUE } from '../../src/services/webhooks.js';
import { createOrgWithKeys, startTestApp, waitForJob, type TestApp } from '../support/app.js';

type Keys = Awaited<ReturnType<typeof createOrgWithKeys>>;

describe("organization scoping: another organization's ids reach nothing", () => {
  let t: TestApp;
  let a: Keys;
  let b: Keys;

  before(async () => {
    // workers on: forged jobs below are run by the real queue
    t = await startTestApp({ env: { GCT_SECRET_KEY: randomBytes(32).toString('hex'), GCT_WEBHOOK_ALLOW_PRIVATE: 'true' } });
    a = await createOrgWithKeys(t.db, 'scope-a');
    b = await createOrgWithKeys(t.db, 'scope-b');
    for (const keys of [a, b]) {
      const res = await t.gql(`mutation { createProject(input: {code: "P1", name: "same code"}) { id } }`, {}, keys.admin);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    }
  });
  after(() => t.close());

  /** What a finished job returned (pg-boss moves finished jobs to its archive after a while). */
  async function jobOutput(id: string): Promise<unknown> {
    await waitForJob(t, id);
    const [row] = await t.db.sql<{ output: unknown }[]>`select output from pgboss.job where id = ${id} union all select output from pgboss.archive where id = ${id}`;
    return row.output;
  }

  const CREATE_CHANNEL = `mutation($input: CreateWebhookChannelInput!) { createWebhookChannel(input: $input) { channel { id } } }`;

  test("a webhook channel is NOT_FOUND to another organization: not read, renamed, disabled or deleted", async () => {
    const created = await t.gql(CREATE_CHANNEL, { input: { name: 'ops', url: 'http://127.0.0.1:9/a' } }, a.admin);
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const id: string = created.data!.createWebhookChannel.channel.id;
    const asB = [
      await t.gql(`query($id: ID!) { webhookChannel(id: $id) { id url } }`, { id }, b.admin),
      await t.gql(`mutation($id: ID!) { updateWebhookChannel(id: $id, input: {name: "taken", url: "http://127.0.0.1:9/b", enabled: false}) { id } }`, { id }, b.admin),
      await t.gql(`mutation($id: ID!) { deleteWebhookChannel(id: $id) }`, { id }, b.admin),
    ];
    for (const res of asB) assert.equal(res.errors?.[0].extensions?.code, 'NOT_FOUND', JSON.stringify(res));
    const list = await t.gql(`{ webhookChannels { id } }`, {}, b.admin);
    assert.deepEqual(list.data!.webhookChannels, []);
    const mine = await t.gql(`query($id: ID!) { webhookChannel(id: $id) { name url enabled } }`, { id }, a.admin);
    assert.deepEqual(mine.data!.webhookChannel, { name: 'ops', url: 'http://127.0.0.1:9/a', enabled: true });
    await t.gql(`mutation($id: ID!) { deleteWebhookChannel(id: $id) }`, { id }, a.admin);
  });

  test("webhook jobs that pair one organization with another's alert or delivery write and send nothing", async () => {
    // A's channel is disabled, so raising A's alert queues nothing of its own; B's is enabled and would take any alert
    const chA = (await t.gql(CREATE_CHANNEL, { input: { name: 'a-hook', url: 'http://127.0.0.1:9/a-hook' } }, a.admin)).data!.createWebhookChannel.channel.id as string;
    await t.gql(`mutation($id: ID!) { updateWebhookChannel(id: $id, input: {enabled: false}) { id } }`, { id: chA }, a.admin);
    const chB = (await t.gql(CREATE_CHANNEL, { input: { name: 'b-hook', url: 'http://127.0.0.1:9/b-hook' } }, b.admin)).data!.createWebhookChannel.channel.id as string;
    assert.ok(chB);
    const alert = await t.db.db.transaction((tx) =>
      raiseAlert(tx, a.org.id, { kind: 'BUDGET_ACTUAL', severity: 'CRITICAL', dedupeKey: 'scope-test:1', title: "A's alert", message: 'spend of A' }),
    );
    assert.ok(alert);
    const [delivery] = await t.db.sql<{ id: string }[]>`insert into webhook_deliveries (org_id, channel_id, alert_id) values (${a.org.id}, ${chA}, ${alert.id}) returning id`;

    const dispatched = await t.app.boss.send(ALERT_DISPATCH_QUEUE, { orgId: b.org.id, alertId: alert.id });
    assert.deepEqual(await jobOutput(dispatched!), { deliveries: 0 });
    const attempted = await t.app.boss.send(WEBHOOK_DELIVER_QUEUE, { orgId: b.org.id, deliveryId: delivery.id });
    await jobOutput(attempted!);

    const deliveries = await t.db.sql`select org_id, status, attempts, last_error from webhook_deliveries order by org_id`;
    assert.deepEqual(deliveries.map((d) => ({ ...d })), [{ org_id: a.org.id, status: 'PENDING', attempts: 0, last_error: null }]);
  });

  test("a live re-price job naming another organization's run stores no estimate in either", async () => {
    const reg = await t.gql(`mutation { registerRun(input: {projectCode: "P1", pipeline: "nf-core/rnaseq", sampleCount: 2}) { id } }`, {}, a.analyst);
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    const runA: string = reg.data!.registerRun.id;
    const count = async () => (await t.db.sql<{ org_id: string; n: number }[]>`select org_id, count(*)::int as n from estimates group by org_id order by org_id`).map((r) => ({ ...r }));
    const before = await count();
    const job = await t.app.boss.send(LIVE_ESTIMATE_QUEUE, { orgId: b.org.id, runId: runA });
    assert.deepEqual(await jobOutput(job!), { status: 'not-found' });
    assert.deepEqual(await count(), before);
  });

  test("a stored cost report downloads for its organization only", async () => {
    const generated = await t.gql(`mutation { generateCostReport(project: "P1", month: "2024-01") { id } }`, {}, a.analyst);
    assert.equal(generated.errors, undefined, JSON.stringify(generated.errors));
    const id: string = generated.data!.generateCostReport.id;
    const download = (key: string) => fetch(`${t.url}/reports/download?id=${id}&format=csv`, { headers: { authorization: `Bearer ${key}` } });
    const mine = await download(a.viewer);
    assert.equal(mine.status, 200, await mine.clone().text());
    assert.match(await mine.text(), /^month,project,run/);
    const theirs = await download(b.viewer);
    assert.equal(theirs.status, 404);
    assert.doesNotMatch(await theirs.text(), /month,project/);
  });

  test("a weblog run naming another organization's registered run as its LIMS id gets a run of its own", async () => {
    const reg = await t.gql(`mutation { registerRun(input: {projectCode: "P1", pipeline: "nf-core/sarek"}) { id } }`, {}, a.analyst);
    const runA: string = reg.data!.registerRun.id;
    const session = '3c1f2c7e-0000-4000-8000-00000000c0de';
    const started = {
      runId: session, runName: 'borrowed_id', event: 'started', utcTime: '2024-03-01T10:00:00Z',
      metadata: { parameters: { gct_run_id: runA }, workflow: { runName: 'borrowed_id', sessionId: session, start: '2024-03-01T10:00:00Z', manifest: { name: 'nf-core/sarek' } } },
    };
    const res = await fetch(`${t.url}/nextflow/weblog`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${b.analyst}` }, body: JSON.stringify(started) });
    assert.equal(res.status, 200, await res.text());
    const [theirs] = await t.db.sql<{ id: string; org_id: string }[]>`select id, org_id from runs where session_id = ${session}`;
    assert.equal(theirs.org_id, b.org.id);
    assert.notEqual(theirs.id, runA);
    const [mine] = await t.db.sql`select session_id, run_name, status from runs where org_id = ${a.org.id} and id = ${runA}`;
    assert.deepEqual({ ...mine }, { session_id: null, run_name: null, status: 'REGISTERED' });
  });

  test("a cursor from one organization's page pages only the caller's rows in another", async () => {
    const org = await createOrgWithKeys(t.db, 'scope-cursor');
    await t.gql(`mutation { createProject(input: {code: "P1", name: "p"}) { id } }`, {}, org.admin);
    const older = (await t.gql(`mutation { registerRun(input: {projectCode: "P1", pipeline: "nf-core/demo"}) { id } }`, {}, org.analyst)).data!.registerRun.id as string;
    for (let i = 0; i < 3; i++) await t.gql(`mutation { registerRun(input: {projectCode: "P1", pipeline: "nf-core/demo"}) { id } }`, {}, a.analyst);
    const page = await t.gql(`{ runs(first: 1) { pageInfo { endCursor } } }`, {}, a.viewer);
    const cursor: string = page.data!.runs.pageInfo.endCursor;
    const next = await t.gql(`query($after: String) { runs(first: 50, after: $after) { edges { node { id } } } }`, { after: cursor }, org.viewer);
    assert.equal(next.errors, undefined, JSON.stringify(next.errors));
    assert.deepEqual(next.data!.runs.edges.map((e: { node: { id: string } }) => e.node.id), [older]);
  });
});
