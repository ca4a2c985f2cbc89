import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { normalizeDecimal } from '../fakes/azure/decimal-sum.js';
import { buildCostRows, costSum, rowsIn, type FakeDataset } from '../fakes/azure/rows.js';
import { startFakeAzure, type FakeAzure } from '../fakes/azure/server.js';
import { focusExport } from '../ingest/costs/support/subscription-exports.js';
import { createOrgWithKeys, startTestApp, type GqlResult, type TestApp } from '../support/app.js';

const SUB = '3c2b1a09-8f7e-4d6c-b5a4-938271605f4e';
const SCOPE = `/subscriptions/${SUB}`;
const SECRET = `Gx8Q~gql-${randomUUID()}`;
const WRONG_SECRET = `Gx8Q~wrong-${randomUUID()}`;
const KEY = randomBytes(32).toString('hex');
const DAY = 86_400_000;
const FROM = '2024-03-01T00:00:00.000Z';
const TO = '2024-03-06T00:00:00.000Z';
const RESOURCES = 6;
/** The UTC midnight starting the day of `ms`. */
const dayOf = (ms: number) => Math.floor(ms / DAY) * DAY;
/**
 * Today's UTC midnight when the file loaded, for the fake's data only: it spans a day past it, so a run
 * crossing midnight still serves the default window. What the server takes for today is read back from
 * the sync it made.
 */
const TODAY = dayOf(Date.now());

const CREATE = `mutation($input: CreateCostConnectionInput!, $secret: String) {
  createCostConnection(input: $input, clientSecret: $secret) { id name scope auth tenantId clientId windowDays groupBy { type name } costType lastStatus lastSyncAt lastError }
}`;
const SYNC = `mutation($id: ID!, $from: DateTime, $to: DateTime) {
  syncCostConnection(id: $id, from: $from, to: $to) { syncId jobId sync { id status windowStart windowEnd jobId } }
}`;
const SYNCS = `query($id: ID!, $first: Int, $after: String) {
  costSyncs(connectionId: $id, first: $first, after: $after) {
    edges { cursor node { id connectionId status rows totals { amount currency } rowsSuperseded totalsSuperseded { amount currency } requests durationMs error windowStart windowEnd jobId startedAt finishedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const CONNECTION = `query($id: ID!) { costConnection(id: $id) { id lastStatus lastSyncAt lastError } }`;

interface SyncNode {
  id: string;
  status: string;
  rows: number;
  totals: { amount: string; currency: string }[];
  rowsSuperseded: number;
  totalsSuperseded: { amount: string; currency: string }[];
  requests: number;
  durationMs: number | null;
  error: string | null;
  windowStart: string;
  windowEnd: string;
  jobId: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Rows of the fake's dataset with UsageDate in [from, to) (epoch ms), and their Cost cells summed exactly. */
function servedIn(dataset: FakeDataset, from: number, to: number) {
  const rows = rowsIn(dataset, new Date(from), new Date(to));
  return { count: rows.length, total: costSum(dataset, rows) };
}

const codeOf = (res: GqlResult) => res.errors?.[0]?.extensions?.code;

describe('cost connections over GraphQL, synced by the pg-boss worker against the fake Azure', () => {
  let fake: FakeAzure;
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let b: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let dataset: FakeDataset;
  let env: Record<string, string>;
  let connectionId: string;
  let failingId: string;
  const responses: string[] = [];

  async function gql<T = Record<string, any>>(query: string, variables: Record<string, unknown>, key: string): Promise<GqlResult<T>> {
    const res = await t.gql<T>(query, variables, key);
    responses.push(JSON.stringify(res));
    return res;
  }

  /**
   * The pg-boss job once it has settled: the sync row is marked finished inside the handler, a moment
   * before pg-boss marks the job completed or failed, so a read right after the sync can see it active.
   */
  async function settledJob(jobId: string, timeoutMs = 60_000): Promise<{ state: string; policy: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [job] = await t.db.sql<{ state: string; policy: string }[]>`
        select state, policy from pgboss.job where id = ${jobId}
        union all select state, policy from pgboss.archive where id = ${jobId}`;
      if (job && job.state !== 'active' && job.state !== 'created' && job.state !== 'retry') return { ...job };
      if (Date.now() > deadline) throw new Error(`job ${jobId} did not settle: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Polls the connection's syncs until `syncId` is finished; bounded. */
  async function waitForSync(connection: string, syncId: string, timeoutMs = 60_000): Promise<SyncNode> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await gql<{ costSyncs: { edges: { node: SyncNode }[] } }>(SYNCS, { id: connection, first: 50 }, a.viewer);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const node = res.data!.costSyncs.edges.map((e) => e.node).find((n) => n.id === syncId);
      assert.ok(node, `sync ${syncId} is listed`);
      if (node.status === 'SUCCEEDED' || node.status === 'FAILED') return node;
      if (Date.now() > deadline) assert.fail(`sync ${syncId} still ${node.status} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const sqlSum = async (connection: string, from?: number, to?: number) => {
    const [r] = await t.db.sql<{ total: string | null; n: number }[]>`
      select sum(billed_cost)::text as total, count(*)::int as n from cost_records
      where org_id = ${a.org.id} and source = 'azure_api' and source_id = ${connection}
        and charge_period_start >= ${new Date(from ?? 0).toISOString()}::timestamptz
        and charge_period_start < ${new Date(to ?? Date.UTC(2100, 0, 1)).toISOString()}::timestamptz`;
    return { total: r.total === null ? '0' : normalizeDecimal(r.total), n: r.n };
  };

  before(async () => {
    // March 2024 for explicit windows, and the last 10 days (plus tomorrow) for the default one
    const march = buildCostRows({ start: new Date('2024-02-27T00:00:00Z'), days: 12, resources: RESOURCES, subscriptionId: SUB, seed: 21 });
    const recent = buildCostRows({ start: new Date(TODAY - 9 * DAY), days: 11, resources: RESOURCES, subscriptionId: SUB, seed: 22 });
    dataset = { columns: march.columns, rows: [...march.rows, ...recent.rows] };
    fake = await startFakeAzure({ clientSecret: SECRET, dataset, pageSize: 8 });
    env = { GCT_SECRET_KEY: KEY, GCT_AZURE_AUTHORITY_HOST: fake.authorityHost, GCT_AZURE_ARM_ENDPOINT: fake.armEndpoint };
    t = await startTestApp({ env });
    a = await createOrgWithKeys(t.db, 'conn-a');
    b = await createOrgWithKeys(t.db, 'conn-b');
  });
  after(async () => {
    await t?.close();
    await fake?.close();
  });

  test('an admin connects a subscription; the answer and the type have no secret in them', async () => {
    const input = { name: 'Genomics subscription', scope: `subscriptions/${SUB}`, tenantId: fake.tenantId, clientId: fake.clientId, groupBy: { type: 'DIMENSION', name: 'ServiceName' } };
    const res = await gql(CREATE, { input, secret: SECRET }, a.admin);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const c = res.data!.createCostConnection;
    connectionId = c.id;
    assert.deepEqual(
      { ...c, id: undefined },
      {
        id: undefined,
        name: 'Genomics subscription',
        scope: SCOPE,
        auth: 'CLIENT_SECRET',
        tenantId: fake.tenantId,
        clientId: fake.clientId,
        windowDays: 5,
        groupBy: { type: 'DIMENSION', name: 'ServiceName' },
        costType: 'ACTUAL_COST',
        lastStatus: null,
        lastSyncAt: null,
        lastError: null,
      },
    );
    const types = await gql(`{ c: __type(name: "CostConnection") { fields { name } } i: __type(name: "CreateCostConnectionInput") { inputFields { name } } }`, {}, a.viewer);
    const names = [...types.data!.c.fields, ...types.data!.i.inputFields].map((f: { name: string }) => f.name);
    assert.ok(names.includes('scope') && names.includes('tenantId'));
    assert.deepEqual(names.filter((n) => /secret/i.test(n)), []);

    const listed = await gql(`{ costConnections { id scope } }`, {}, a.viewer);
    assert.deepEqual(listed.data!.costConnections, [{ id: connectionId, scope: SCOPE }]);

    const failing = await gql(CREATE, { input: { ...input, name: 'Wrong secret', groupBy: null }, secret: WRONG_SECRET }, a.admin);
    failingId = failing.data!.createCostConnection.id;
  });

  test('only admins create or sync connections', async () => {
    const input = { name: 'x', scope: SCOPE, tenantId: fake.tenantId, clientId: fake.clientId };
    assert.equal(codeOf(await gql(CREATE, { input, secret: SECRET }, a.analyst)), 'FORBIDDEN');
    assert.equal(codeOf(await gql(CREATE, { input, secret: SECRET }, a.viewer)), 'FORBIDDEN');
    assert.equal(codeOf(await gql(SYNC, { id: connectionId, from: FROM, to: TO }, a.analyst)), 'FORBIDDEN');
    const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cost_syncs`;
    assert.equal(n, 0);
  });

  test('bad input is refused, and no error echoes the secret', async () => {
    const good = { name: 'x', scope: SCOPE, tenantId: fake.tenantId, clientId: fake.clientId };
    const badScope = await gql(CREATE, { input: { ...good, scope: '/subscriptions/nope' }, secret: SECRET }, a.admin);
    assert.equal(codeOf(badScope), 'BAD_USER_INPUT');
    assert.equal(badScope.errors![0].extensions!.field, 'scope');
    // a missing or unknown field makes GraphQL print the whole input object (into the answer or, today,
    // into the log through the complexity plugin): the secret is a separate argument, so it is not in it
    const { scope: _omitted, ...noScope } = good;
    const missing = await gql(CREATE, { input: { ...noScope, unknownField: 1 }, secret: SECRET }, a.admin);
    assert.ok(missing.errors?.length && !missing.data?.createCostConnection);
    const invalid = await gql(CREATE, { input: { ...good, windowDays: 0 }, secret: SECRET }, a.admin);
    assert.equal(codeOf(invalid), 'BAD_USER_INPUT');
    for (const res of [badScope, missing, invalid]) assert.ok(!JSON.stringify(res).includes(SECRET));
    const noon = await gql(SYNC, { id: connectionId, from: '2024-03-01T12:00:00Z', to: TO }, a.admin);
    assert.equal(codeOf(noon), 'BAD_USER_INPUT');
    const future = await gql(SYNC, { id: connectionId, from: FROM, to: new Date(dayOf(Date.now()) + 3 * DAY).toISOString() }, a.admin);
    assert.equal(codeOf(future), 'BAD_USER_INPUT');
    const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cost_connections where org_id = ${a.org.id}`;
    assert.equal(n, 2, 'nothing was created by the refused calls');
  });

  test('syncCostConnection queues a job; the worker completes it and the window holds exactly the fake rows', { timeout: 60_000 }, async () => {
    const before = fake.queryRequests().length;
    const res = await gql(SYNC, { id: connectionId, from: FROM, to: TO }, a.admin);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const { syncId, jobId, sync } = res.data!.syncCostConnection;
    assert.equal(sync.id, syncId);
    assert.equal(sync.jobId, jobId);
    assert.deepEqual([sync.windowStart, sync.windowEnd], [FROM, TO]);
    assert.ok(['QUEUED', 'RUNNING', 'SUCCEEDED'].includes(sync.status));

    const done = await waitForSync(connectionId, syncId);
    const expected = servedIn(dataset, Date.parse(FROM), Date.parse(TO));
    assert.equal(expected.count, 30);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    assert.equal(done.rows, 30);
    assert.deepEqual([done.rowsSuperseded, done.totalsSuperseded], [0, []]);
    assert.deepEqual(
      done.totals.map((m) => ({ ...m, amount: normalizeDecimal(m.amount) })),
      [{ amount: expected.total, currency: 'USD' }],
    );
    // 30 rows, 8 per page: a query and 3 nextLinks
    assert.equal(fake.queryRequests().length - before, 4);
    assert.equal(done.requests, 4);
    assert.ok(done.startedAt && done.finishedAt && done.durationMs !== null);
    assert.deepEqual(await sqlSum(connectionId), { total: expected.total, n: 30 });

    const job = await settledJob(jobId);
    assert.deepEqual(job, { state: 'completed', policy: 'standard' });

    const conn = await gql(CONNECTION, { id: connectionId }, a.viewer);
    assert.equal(conn.data!.costConnection.lastStatus, 'SUCCEEDED');
    assert.equal(conn.data!.costConnection.lastError, null);
  });

  test('a sync that cannot sign in is FAILED with a readable error, on the sync and on the connection', { timeout: 60_000 }, async () => {
    const res = await gql(SYNC, { id: failingId, from: FROM, to: TO }, a.admin);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const { syncId, jobId } = res.data!.syncCostConnection;
    const done = await waitForSync(failingId, syncId);
    assert.equal(done.status, 'FAILED');
    assert.match(done.error ?? '', /AADSTS7000215|invalid_client/);
    assert.deepEqual(await sqlSum(failingId), { total: '0', n: 0 });
    const conn = await gql(CONNECTION, { id: failingId }, a.viewer);
    assert.equal(conn.data!.costConnection.lastStatus, 'FAILED');
    assert.equal(conn.data!.costConnection.lastError, done.error);
    const job = await settledJob(jobId);
    assert.equal(job.state, 'failed');
  });

  test('with two workers, two syncs of one connection run one after the other, and the total stays single', { timeout: 90_000 }, async () => {
    const second = await startTestApp({ role: 'worker', db: t.db, env });
    try {
      // the first query of whichever sync runs first waits 2 s: time enough for the other worker to start the second
      fake.throttleNext(1, { 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '2' });
      const one = await gql(SYNC, { id: connectionId, from: FROM, to: TO }, a.admin);
      const two = await gql(SYNC, { id: connectionId, from: FROM, to: TO }, a.admin);
      const done = [await waitForSync(connectionId, one.data!.syncCostConnection.syncId, 60_000), await waitForSync(connectionId, two.data!.syncCostConnection.syncId, 60_000)];
      assert.deepEqual(
        done.map((d) => d.status),
        ['SUCCEEDED', 'SUCCEEDED'],
      );
      const [first, next] = done.sort((x, y) => Date.parse(x.startedAt!) - Date.parse(y.startedAt!));
      assert.ok(Date.parse(next.startedAt!) >= Date.parse(first.finishedAt!), `second started ${next.startedAt}, first finished ${first.finishedAt}`);
      assert.ok(Date.parse(first.finishedAt!) - Date.parse(first.startedAt!) >= 1900, 'the first sync waited out the 429');
      const expected = servedIn(dataset, Date.parse(FROM), Date.parse(TO));
      assert.deepEqual(await sqlSum(connectionId), { total: expected.total, n: 30 });
    } finally {
      await second.close();
    }
  });

  test("another organization cannot see, sync or read the syncs of a connection (NOT_FOUND)", async () => {
    const list = await gql(`{ costConnections { id } }`, {}, b.admin);
    assert.deepEqual(list.data!.costConnections, []);
    assert.equal(codeOf(await gql(CONNECTION, { id: connectionId }, b.admin)), 'NOT_FOUND');
    const sync = await gql(SYNC, { id: connectionId, from: FROM, to: TO }, b.admin);
    assert.equal(codeOf(sync), 'NOT_FOUND');
    assert.equal(sync.data, null);
    assert.equal(codeOf(await gql(SYNCS, { id: connectionId, first: 5 }, b.admin)), 'NOT_FOUND');
    assert.equal(codeOf(await gql(CONNECTION, { id: 'not-a-uuid' }, b.admin)), 'NOT_FOUND');
    const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cost_syncs where org_id = ${b.org.id}`;
    assert.equal(n, 0);
  });

  test('the schedule is registered, and a sync-all run queues one default-window sync per connection', { timeout: 90_000 }, async () => {
    const [schedule] = await t.db.sql<{ cron: string; timezone: string }[]>`select cron, timezone from pgboss.schedule where name = 'costs.sync-all'`;
    assert.deepEqual(schedule, { cron: '0 */4 * * *', timezone: 'UTC' });
    const [{ before }] = await t.db.sql<{ before: number }[]>`select count(*)::int as before from cost_syncs where org_id = ${a.org.id}`;

    const sentOn = dayOf(Date.now());
    await t.app.boss.send('costs.sync-all', {});

    const deadline = Date.now() + 60_000;
    let latest: Record<string, SyncNode> = {};
    for (;;) {
      const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cost_syncs where org_id = ${a.org.id}`;
      if (n === before + 2) {
        latest = {};
        for (const id of [connectionId, failingId]) {
          const res = await gql<{ costSyncs: { edges: { node: SyncNode }[] } }>(SYNCS, { id, first: 1 }, a.viewer);
          latest[id] = res.data!.costSyncs.edges[0].node;
        }
        if (Object.values(latest).every((s) => s.status === 'SUCCEEDED' || s.status === 'FAILED')) break;
      }
      if (Date.now() > deadline) assert.fail(`sync-all did not finish: ${n - before} syncs, ${JSON.stringify(latest)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    // the default window: the connection's 5 days, today included. "Today" is the worker's, taken when it
    // queued the sync: the day the run was sent on or, had midnight UTC passed before the syncs were done, the next
    const doneOn = dayOf(Date.now());
    const good = latest[connectionId];
    assert.equal(good.status, 'SUCCEEDED', good.error ?? '');
    const windowStart = Date.parse(good.windowStart);
    const windowEnd = Date.parse(good.windowEnd);
    const today = windowEnd - DAY;
    assert.ok(today === sentOn || today === doneOn, `window ${good.windowStart}..${good.windowEnd} ends after neither ${new Date(sentOn).toISOString()} nor ${new Date(doneOn).toISOString()}`);
    assert.equal(windowStart, today - 4 * DAY, `window ${good.windowStart}..${good.windowEnd}`);
    const expected = servedIn(dataset, windowStart, windowEnd);
    assert.equal(expected.count, 5 * RESOURCES);
    assert.equal(good.rows, expected.count);
    assert.deepEqual(await sqlSum(connectionId, windowStart, windowEnd), { total: expected.total, n: expected.count });
    // March is untouched by the recent window
    assert.equal((await sqlSum(connectionId, Date.parse(FROM), Date.parse(TO))).n, 30);
    assert.equal(latest[failingId].status, 'FAILED');
  });

  test('the secret is in no GraphQL answer, log line, sync error, job or table', async () => {
    const forms = [SECRET, WRONG_SECRET].flatMap((s) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64')]);
    assert.ok(responses.length > 20);
    assert.ok(t.logs.length > 20, `${t.logs.length} log lines`);
    assert.ok(t.logs.some((l) => l.includes('cost sync failed')) && t.logs.some((l) => l.includes('cost sync succeeded')));
    const text = [...responses, ...t.logs].join('\n');
    for (const form of forms) assert.ok(!text.includes(form), 'a response or log line holds a secret');

    const tables = await t.db.sql<{ name: string }[]>`
      select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.tables
      where table_schema in ('public', 'pgboss') and table_type = 'BASE TABLE'`;
    assert.ok(tables.some((x) => x.name === 'pgboss.job') && tables.some((x) => x.name === 'public.cost_connections'));
    for (const { name } of tables) {
      const rows = await t.db.sql.unsafe<{ t: string }[]>(`select t::text as t from ${name} t`);
      for (const { t: row } of rows) for (const form of forms) assert.ok(!row.includes(form), `${name} holds a secret`);
    }
    const [{ stored }] = await t.db.sql<{ stored: number }[]>`select count(secret_encrypted)::int as stored from cost_connections where org_id = ${a.org.id}`;
    assert.equal(stored, 2, 'both secrets are stored, encrypted');
  });

  test('a replacing export uploaded for the subscription takes its days over; the next sync says what it left to it', { timeout: 60_000 }, async () => {
    // the export restates March 1–2 of the window the sync above loaded
    const march = [0, 1].map((d) => new Date(Date.parse(FROM) + d * DAY));
    const file = focusExport(SUB, march, (d, line) => `${d + 1}.0${line}`);
    const res = await fetch(`${t.url}/import/costs?fileName=focus-march.csv&replace=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${a.analyst}` },
      body: file.body,
    });
    assert.equal(res.status, 200, await res.clone().text());
    const { importId } = (await res.json()) as { importId: string };
    const taken = servedIn(dataset, Date.parse(FROM), Date.parse(FROM) + 2 * DAY);
    const Q = `query($id: ID!) { costImport(id: $id) { report { replaced { syncedRows syncedTotals { amount { amount currency } rows } } } } }`;
    const report = await gql(Q, { id: importId }, a.viewer);
    assert.equal(report.errors, undefined, JSON.stringify(report.errors));
    const replaced = report.data!.costImport.report.replaced;
    assert.equal(replaced.syncedRows, taken.count);
    assert.deepEqual(
      replaced.syncedTotals.map((x: { amount: { amount: string; currency: string }; rows: number }) => [x.amount.currency, normalizeDecimal(x.amount.amount), x.rows]),
      [['USD', taken.total, taken.count]],
    );

    const sync = await gql(SYNC, { id: connectionId, from: FROM, to: TO }, a.admin);
    const done = await waitForSync(connectionId, sync.data!.syncCostConnection.syncId);
    assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
    const kept = servedIn(dataset, Date.parse(FROM) + 2 * DAY, Date.parse(TO));
    assert.deepEqual([done.rows, done.rowsSuperseded], [kept.count, taken.count]);
    assert.deepEqual(done.totalsSuperseded.map((m) => ({ ...m, amount: normalizeDecimal(m.amount) })), [{ amount: taken.total, currency: 'USD' }]);
    assert.deepEqual(await sqlSum(connectionId, Date.parse(FROM), Date.parse(TO)), { total: kept.total, n: kept.count });
  });
});

describe('an API-only process without GCT_SECRET_KEY', () => {
  let fake: FakeAzure;
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;

  before(async () => {
    fake = await startFakeAzure();
    t = await startTestApp({ role: 'api', env: { GCT_AZURE_AUTHORITY_HOST: fake.authorityHost, GCT_AZURE_ARM_ENDPOINT: fake.armEndpoint } });
    keys = await createOrgWithKeys(t.db, 'no-key');
  });
  after(async () => {
    await t?.close();
    await fake?.close();
  });

  test('refuses to store a client secret, naming the setting; a managed identity needs none', async () => {
    const input = { name: 'x', scope: SCOPE, tenantId: fake.tenantId, clientId: fake.clientId };
    const refused = await t.gql(CREATE, { input, secret: SECRET }, keys.admin);
    assert.equal(codeOf(refused), 'BAD_USER_INPUT');
    assert.match(refused.errors![0].message, /GCT_SECRET_KEY/);
    assert.ok(!JSON.stringify(refused).includes(SECRET));
    const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from cost_connections`;
    assert.equal(n, 0);

    const mi = await t.gql(CREATE, { input: { name: 'mi', scope: SCOPE, auth: 'MANAGED_IDENTITY' } }, keys.admin);
    assert.equal(mi.errors, undefined, JSON.stringify(mi.errors));
    assert.equal(mi.data!.createCostConnection.auth, 'MANAGED_IDENTITY');
  });

  test('a requested sync is a QUEUED row and its job, committed together, waiting for a worker', async () => {
    const [{ id }] = await t.db.sql<{ id: string }[]>`select id from cost_connections`;
    const res = await t.gql(SYNC, { id, from: FROM, to: TO }, keys.admin);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const { syncId, jobId, sync } = res.data!.syncCostConnection;
    assert.equal(sync.status, 'QUEUED');
    const [row] = await t.db.sql<{ status: string; job_id: string }[]>`select status, job_id from cost_syncs where id = ${syncId}`;
    assert.deepEqual(row, { status: 'QUEUED', job_id: jobId });
    const [job] = await t.db.sql<{ name: string; state: string; policy: string; data: Record<string, unknown> }[]>`
      select name, state, policy, data from pgboss.job where id = ${jobId}`;
    assert.deepEqual(job, {
      name: 'costs.sync',
      state: 'created',
      policy: 'standard',
      data: { orgId: keys.org.id, connectionId: id, from: FROM, to: TO, syncId },
    });
    assert.equal(fake.requests.length, 0, 'nothing ran: this process has no worker');
  });
});
