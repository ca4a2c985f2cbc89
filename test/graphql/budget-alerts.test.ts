import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { evaluateBudgets } from '../../src/services/budget-evaluation.js';
import { BudgetService } from '../../src/services/budgets.js';
import { ProjectService } from '../../src/services/projects.js';
import { countAlerts, raiseAlert } from '../../src/services/alerts.js';
import { createOrgWithKeys, startTestApp, untilSubscribers, type TestApp } from '../support/app.js';
import { fixturePath } from '../support/fixtures.js';
import { until } from '../support/until.js';
import { daysAgo, insertCost, insertRun } from '../support/spend.js';
import { collect, wsClient, type GqlError } from '../support/ws-client.js';
import { readRawCsv } from '../ingest/costs/support/raw-csv.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('budget evaluation, alerts and their subscriptions', () => {
  let first: TestApp;
  let second: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let intruder: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const clients: { dispose(): void | Promise<void> }[] = [];

  before(async () => {
    first = await startTestApp();
    // a second API process on the same database: it hears about the first one's alerts only through Postgres
    second = await startTestApp({ db: first.db, role: 'api' });
    keys = await createOrgWithKeys(first.db, 'alerts-org');
    intruder = await createOrgWithKeys(first.db, 'alerts-intruder');
  });
  after(async () => {
    for (const c of clients) await c.dispose();
    await second.close();
    await first.close();
  });

  const waitForSubscribers = untilSubscribers;

  test('crossing 80% raises exactly one alert and one event, even with three concurrent evaluations; a subscriber on another process gets it', async () => {
    const org = keys.org.id;
    const budget = await new BudgetService(first.db.db, org).create({
      name: 'Lab', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '1000', currency: 'USD', thresholds: [{ percent: 80, basis: 'ACTUAL' }, { percent: 100, basis: 'ACTUAL' }],
    });

    const client = wsClient(second.url, keys.viewer);
    clients.push(client);
    const breaches = collect<{ budgetBreached: { budgetId: string; percent: number; basis: string; billed: { amount: string }; committed: { amount: string }; alert: { id: string; kind: string } } }>(
      client,
      `subscription { budgetBreached(scope: { kind: ORGANIZATION }) { budgetId percent basis billed { amount } committed { amount } alert { id kind } } }`,
    );
    const raised = collect<{ alertRaised: { id: string; kind: string; severity: string } }>(client, `subscription { alertRaised(kinds: [BUDGET_ACTUAL]) { id kind severity } }`);
    // a project-scoped listener must not hear about an organization budget
    await new ProjectService(first.db.db, org).create({ code: 'X', name: 'x' });
    const projectOnly = collect(client, `subscription { budgetBreached(scope: { kind: PROJECT, projectCode: "X" }) { budgetId } }`);
    const intruderClient = wsClient(second.url, intruder.viewer);
    clients.push(intruderClient);
    const intruderSub = collect(intruderClient, `subscription { alertRaised { id } }`);
    await waitForSubscribers(second, 4);

    // one instant for the data and every evaluation: the bill line and the run are in the month evaluated
    // even if the UTC month turns while the test runs
    const at = new Date();
    // below the threshold: nothing
    await insertCost(first.db.db, org, { day: daysAgo(0, at), amount: '700' });
    assert.deepEqual((await evaluateBudgets(first.db.db, org, { at })).raised, []);
    // 700 billed + 150 in flight = 85%
    await insertRun(first.db.db, org, { status: 'RUNNING', estimatedCost: '150', startedAt: at });
    const reports = await Promise.all([1, 2, 3].map(() => evaluateBudgets(first.db.db, org, { at })));
    assert.equal(reports.flatMap((r) => r.raised).length, 1);
    assert.equal(await countAlerts(first.db.db, org, `budget:${budget.id}:`), 1);

    const [got] = await breaches.waitFor(1);
    assert.equal(got.budgetBreached.budgetId, budget.id);
    assert.equal(got.budgetBreached.percent, 80);
    assert.equal(got.budgetBreached.basis, 'ACTUAL');
    assert.equal(Number(got.budgetBreached.billed.amount), 700);
    assert.equal(Number(got.budgetBreached.committed.amount), 150);
    const [alert] = await raised.waitFor(1);
    assert.equal(alert.alertRaised.id, got.budgetBreached.alert.id);
    assert.equal(alert.alertRaised.severity, 'WARNING');

    // evaluating again (a retry, the schedule) changes nothing
    assert.deepEqual((await evaluateBudgets(first.db.db, org, { at })).raised, []);
    await sleep(500);
    assert.equal(breaches.items.length, 1, 'one event per crossing');
    assert.equal(raised.items.length, 1);
    assert.equal(projectOnly.items.length, 0);
    assert.equal(intruderSub.items.length, 0, 'another organization hears nothing');
  });

  test('budgetBreached refuses over graphql-ws a scope createBudget refuses, naming the field, instead of listening forever', async () => {
    const client = wsClient(first.url, keys.viewer);
    clients.push(client);
    const refusal = async (scope: string) => {
      // answered in a result or as the error that ended the operation: either way it ends, with the reason
      const sub = collect(client, `subscription { budgetBreached(scope: ${scope}) { budgetId } }`);
      let timer: NodeJS.Timeout | undefined;
      const listening = new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'listening')));
      const outcome = await Promise.race([sub.ended, listening]);
      clearTimeout(timer);
      sub.stop();
      assert.notEqual(outcome, 'listening', `budgetBreached(scope: ${scope}) was accepted and listens for what cannot happen`);
      return (sub.errors.flat() as GqlError[]).map((e) => [e.extensions?.code, (e.extensions?.fields as { field: string }[] | undefined)?.map((f) => f.field)]);
    };
    assert.deepEqual(await refusal(`{ kind: PROJECT, projectCode: "NOPE" }`), [['BAD_USER_INPUT', ['scope.projectCode']]]);
    assert.deepEqual(await refusal(`{ kind: ORGANIZATION, projectCode: "X" }`), [['BAD_USER_INPUT', ['scope.projectCode']]]);
    assert.deepEqual(await refusal(`{ kind: PIPELINE, pipeline: "never-ran" }`), [['BAD_USER_INPUT', ['scope.pipeline']]]);
    assert.deepEqual(await refusal(`{ kind: TAG, tagKey: "lab" }`), [['BAD_USER_INPUT', ['scope.tagValue']]]);
    // another organization's project is as unknown as one that does not exist
    await new ProjectService(first.db.db, intruder.org.id).create({ code: 'THEIRS', name: 'theirs' });
    assert.deepEqual(await refusal(`{ kind: PROJECT, projectCode: "THEIRS" }`), [['BAD_USER_INPUT', ['scope.projectCode']]]);
  });

  test('alerts(since, kinds, states) pages oldest first; acknowledge and resolve record who and when; another org sees none', async () => {
    const org = keys.org.id;
    const since = new Date();
    await sleep(5);
    for (let i = 0; i < 3; i++) {
      await first.db.db.transaction((tx) => raiseAlert(tx, org, { kind: 'ESTIMATE_DRIFT', severity: 'INFO', dedupeKey: `drift:test:${i}`, title: `drift ${i}`, message: 'm' }));
    }
    const Q = `query($since: DateTime, $after: String) { alerts(since: $since, kinds: [ESTIMATE_DRIFT], states: [OPEN], first: 2, after: $after) { edges { node { id title state } } pageInfo { hasNextPage endCursor } } }`;
    const p1 = await first.gql(Q, { since: since.toISOString() }, keys.viewer);
    assert.equal(p1.errors, undefined, JSON.stringify(p1.errors));
    assert.deepEqual(p1.data!.alerts.edges.map((e: { node: { title: string } }) => e.node.title), ['drift 0', 'drift 1']);
    assert.equal(p1.data!.alerts.pageInfo.hasNextPage, true);
    const p2 = await first.gql(Q, { since: since.toISOString(), after: p1.data!.alerts.pageInfo.endCursor }, keys.viewer);
    assert.deepEqual(p2.data!.alerts.edges.map((e: { node: { title: string } }) => e.node.title), ['drift 2']);
    const id = p1.data!.alerts.edges[0].node.id;

    const theirs = await first.gql(`query($id: ID!) { alert(id: $id) { id } }`, { id }, intruder.admin);
    assert.equal(theirs.errors?.[0].extensions?.code, 'NOT_FOUND');
    const theirAck = await first.gql(`mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }`, { id }, intruder.admin);
    assert.equal(theirAck.errors?.[0].extensions?.code, 'NOT_FOUND');
    assert.equal((await first.gql(`{ alerts { edges { node { id } } } }`, {}, intruder.viewer)).data!.alerts.edges.length, 0);

    const me = (await first.gql(`{ me { principalId } }`, {}, keys.viewer)).data!.me.principalId;
    const ack = await first.gql(`mutation($id: ID!) { acknowledgeAlert(id: $id) { state acknowledgedAt acknowledgedBy } }`, { id }, keys.viewer);
    assert.equal(ack.errors, undefined, JSON.stringify(ack.errors));
    assert.equal(ack.data!.acknowledgeAlert.state, 'ACKNOWLEDGED');
    assert.equal(ack.data!.acknowledgeAlert.acknowledgedBy, me);
    assert.ok(Math.abs(new Date(ack.data!.acknowledgeAlert.acknowledgedAt).getTime() - Date.now()) < 60_000);
    const again = await first.gql(`mutation($id: ID!) { acknowledgeAlert(id: $id) { state } }`, { id }, keys.viewer);
    assert.equal(again.errors?.[0].extensions?.code, 'CONFLICT');

    const resolved = await first.gql(`mutation($id: ID!) { resolveAlert(id: $id, resolution: "expected: new cohort") { state resolvedBy resolution } }`, { id }, keys.analyst);
    assert.equal(resolved.data!.resolveAlert.state, 'RESOLVED');
    assert.equal(resolved.data!.resolveAlert.resolution, 'expected: new cohort');
    assert.notEqual(resolved.data!.resolveAlert.resolvedBy, me);
    const resolvedAgain = await first.gql(`mutation($id: ID!) { resolveAlert(id: $id) { state } }`, { id }, keys.analyst);
    assert.equal(resolvedAgain.errors?.[0].extensions?.code, 'CONFLICT');
    // the resolved one leaves the OPEN listing
    const open = await first.gql(Q, { since: since.toISOString() }, keys.viewer);
    assert.deepEqual(open.data!.alerts.edges.map((e: { node: { title: string } }) => e.node.title), ['drift 1', 'drift 2']);
  });

  test('a cooldown keeps a flapping condition from raising again, whatever its dedupe key', async () => {
    const org = keys.org.id;
    const raise = (n: number) =>
      first.db.db.transaction((tx) =>
        raiseAlert(tx, org, { kind: 'ANOMALY', severity: 'WARNING', dedupeKey: `flap:${n}`, title: 't', message: 'm', cooldown: { key: 'flap:rg-batch', seconds: 3600 } }),
      );
    const results = await Promise.all([raise(1), raise(2), raise(3)]);
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await countAlerts(first.db.db, org, 'flap:'), 1);
    // a different cooldown key is not held back
    const other = await first.db.db.transaction((tx) =>
      raiseAlert(tx, org, { kind: 'ANOMALY', severity: 'WARNING', dedupeKey: 'flap:other', title: 't', message: 'm', cooldown: { key: 'flap:rg-other', seconds: 3600 } }),
    );
    assert.ok(other);
  });

  test('a cost file upload queues an evaluation, and the worker raises the alert', async () => {
    const org = keys.org.id;
    const file = fixturePath('focus-sample', 'focus_sample.csv');
    const raw = readRawCsv(file);
    const currency = raw.records[0].BillingCurrency;
    const starts = raw.records.map((r) => r.ChargePeriodStart).sort();
    const budget = await new BudgetService(first.db.db, org).create({
      name: 'Sample file range',
      scope: { kind: 'ORGANIZATION' },
      period: 'CUSTOM',
      startsAt: new Date(starts[0]),
      endsAt: new Date(new Date(starts.at(-1)!).getTime() + 86_400_000),
      amount: '0.0001',
      currency,
      thresholds: [{ percent: 50, basis: 'ACTUAL' }],
    });
    const res = await fetch(`${first.url}/import/costs?format=focus&fileName=focus.csv`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${keys.analyst}` },
      body: raw.text,
    });
    assert.equal(res.status, 200, await res.text());
    let n = 0;
    await until('the worker to raise the alert', async () => (n = await countAlerts(first.db.db, org, `budget:${budget.id}:`)) > 0, { everyMs: 100 });
    assert.equal(n, 1);
  });
});
