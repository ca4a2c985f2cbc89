import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { AppError } from '../../src/errors.js';
import { CostConnectionService, connectionsDueForSync, resolveSyncWindow, type CostConnection } from '../../src/services/cost-connections.js';
import { createOrganization } from '../../src/services/organizations.js';
import { SecretBox } from '../../src/services/secrets.js';
import { normalizeDecimal } from '../fakes/azure/decimal-sum.js';
import { buildCostRows, cellText, costSum, DecimalLiteral, rowsIn, type FakeDataset } from '../fakes/azure/rows.js';
import { startFakeAzure, type FakeAzure } from '../fakes/azure/server.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const SUB = '0b1f6c2e-5a4d-4c3b-9a8e-7f6d5c4b3a21';
const SCOPE = `/subscriptions/${SUB}`;
const SECRET = `Gx8Q~sync-${randomUUID()}`;
const KEY = randomBytes(32);
const DAY = 86_400_000;
const FROM = new Date('2024-03-01T00:00:00Z');
const TO = new Date('2024-03-06T00:00:00Z');
const RESOURCES = 6;

const settingsFor = (fake: FakeAzure, key: Buffer | null = KEY): Config =>
  loadConfig({
    ...(key ? { GCT_SECRET_KEY: key.toString('base64') } : {}),
    GCT_AZURE_AUTHORITY_HOST: fake.authorityHost,
    GCT_AZURE_ARM_ENDPOINT: fake.armEndpoint,
  });

/** "resource|day|cost" per row, from the fake's cells. */
function expectedKeys(dataset: FakeDataset, rows: FakeDataset['rows']): string[] {
  const at = (name: string) => dataset.columns.findIndex((c) => c.name === name);
  return rows
    .map((row) => {
      const d = String(row[at('UsageDate')]);
      return `${row[at('ResourceId')]}|${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}|${normalizeDecimal(cellText(row[at('Cost')])!)}`;
    })
    .sort();
}

/** A copy of `dataset` where every third row costs something else and one row is gone (a revised bill). */
function revise(dataset: FakeDataset): FakeDataset {
  const cost = dataset.columns.findIndex((c) => c.name === 'Cost');
  const usd = dataset.columns.findIndex((c) => c.name === 'CostUSD');
  const rows = dataset.rows
    .map((row, i) => {
      if (i % 3 !== 1) return row;
      const copy = [...row];
      copy[cost] = new DecimalLiteral(`${1000 + i}.123456`);
      copy[usd] = new DecimalLiteral(`${1000 + i}.123456`);
      return copy;
    })
    .filter((_, i) => i !== 20);
  return { columns: dataset.columns, rows };
}

describe('CostConnectionService.sync against the fake Azure (real ClientSecretCredential + CostManagementClient)', () => {
  let db: TestDatabase;
  let fake: FakeAzure;
  let orgA: string;
  let orgB: string;
  let service: CostConnectionService;
  let connection: CostConnection;
  let dataset: FakeDataset;
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });

  const dbSum = async (where: { connectionId?: string; from?: Date; to?: Date } = {}) => {
    const [r] = await db.sql<{ total: string | null; n: number }[]>`
      select sum(billed_cost)::text as total, count(*)::int as n from cost_records
      where org_id = ${orgA} and source = 'azure_api'
        and (${where.connectionId ?? null}::uuid is null or source_id = ${where.connectionId ?? null}::uuid)
        and charge_period_start >= ${(where.from ?? new Date(0)).toISOString()}::timestamptz
        and charge_period_start < ${(where.to ?? new Date('2100-01-01T00:00:00Z')).toISOString()}::timestamptz`;
    return { total: r.total === null ? '0' : normalizeDecimal(r.total), n: r.n };
  };
  const storedKeys = async (connectionId: string) =>
    (
      await db.sql<{ k: string }[]>`
        select resource_id || '|' || to_char(charge_period_start at time zone 'UTC', 'YYYY-MM-DD') || '|' || billed_cost::text as k
        from cost_records where org_id = ${orgA} and source_id = ${connectionId} and charge_period_start >= ${FROM.toISOString()}::timestamptz
          and charge_period_start < ${TO.toISOString()}::timestamptz`
    )
      .map(({ k }) => {
        const [res, day, cost] = k.split('|');
        return `${res}|${day}|${normalizeDecimal(cost)}`;
      })
      .sort();

  before(async () => {
    db = await createTestDatabase();
    orgA = (await createOrganization(db.db, { name: 'Org A', slug: 'sync-a' })).organization.id;
    orgB = (await createOrganization(db.db, { name: 'Org B', slug: 'sync-b' })).organization.id;
    // 12 days around the synced window, so the fake has rows the window must leave out
    dataset = buildCostRows({ start: new Date(FROM.getTime() - 3 * DAY), days: 12, resources: RESOURCES, subscriptionId: SUB, seed: 5 });
    fake = await startFakeAzure({ clientSecret: SECRET, dataset });
    service = new CostConnectionService(db.db, orgA, settingsFor(fake));
    connection = await service.create({ name: 'Lab subscription', scope: SCOPE, auth: 'CLIENT_SECRET', tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: SECRET });
  });
  after(async () => {
    await fake?.close();
    await db?.drop();
  });

  test('a sync follows every nextLink and loads exactly the rows the fake serves for the window', { timeout: 60_000 }, async () => {
    // 5 days × 6 resources = 30 rows, 7 per page: a query and 4 nextLinks
    fake.setDataset(dataset, { pageSize: 7 });
    const before = fake.queryRequests().length;

    const report = await service.sync(connection.id, { from: FROM, to: TO, log });

    const served = rowsIn(dataset, FROM, TO);
    assert.equal(served.length, 30);
    const queries = fake.queryRequests().slice(before);
    assert.equal(queries.length, 5);
    assert.equal(queries.filter((q) => q.path.includes('$skiptoken=')).length, 4);
    assert.equal(report.status, 'SUCCEEDED', report.error ?? '');
    assert.equal(report.rows, 30);
    assert.equal(report.requests, 5, 'every HTTP call to ARM is counted');
    assert.equal(report.error, null);
    assert.deepEqual(new Date(report.windowStart), FROM);
    assert.deepEqual(new Date(report.windowEnd), TO);
    assert.ok(report.durationMs !== null && report.durationMs >= 0);

    const expected = costSum(dataset, served);
    assert.deepEqual(await dbSum(), { total: expected, n: 30 });
    assert.deepEqual(Object.keys(report.totals), ['USD']);
    assert.equal(normalizeDecimal(report.totals.USD), expected);
    assert.deepEqual(await storedKeys(connection.id), expectedKeys(dataset, served));

    const [meta] = await db.sql<{ sources: string[]; batches: string[] }[]>`
      select array_agg(distinct source || ':' || source_id) as sources, array_agg(distinct ingest_batch::text) as batches from cost_records where org_id = ${orgA}`;
    assert.deepEqual(meta.sources, [`azure_api:${connection.id}`]);
    assert.deepEqual(meta.batches, [report.id]);

    const stored = await service.get(connection.id);
    assert.equal(stored.lastStatus, 'SUCCEEDED');
    assert.equal(stored.lastError, null);
    assert.ok(stored.lastSyncAt);
  });

  test('syncing the same window again replaces it: same rows, same total, not twice', { timeout: 60_000 }, async () => {
    fake.setDataset(dataset, { pageSize: 1000 });
    const before = await dbSum();
    const report = await service.sync(connection.id, { from: FROM, to: TO, log });
    assert.equal(report.status, 'SUCCEEDED', report.error ?? '');
    assert.deepEqual(await dbSum(), before);
    assert.equal(report.rows, 30);
    const [{ batches }] = await db.sql<{ batches: string[] }[]>`select array_agg(distinct ingest_batch::text) as batches from cost_records where org_id = ${orgA}`;
    assert.deepEqual(batches, [report.id], 'every row of the window now comes from the second sync');
  });

  test('a revised bill replaces the window: totals equal the new data, not old + new, and days outside stay', { timeout: 60_000 }, async () => {
    fake.setDataset(dataset, { pageSize: 1000 });
    // two earlier days, synced with the original data; the revised sync below must not touch them
    const earlierFrom = new Date(FROM.getTime() - 2 * DAY);
    const earlier = await service.sync(connection.id, { from: earlierFrom, to: FROM, log });
    assert.equal(earlier.status, 'SUCCEEDED', earlier.error ?? '');
    const outside = costSum(dataset, rowsIn(dataset, earlierFrom, FROM));
    assert.equal((await dbSum({ to: FROM })).total, outside);

    const revised = revise(dataset);
    fake.setDataset(revised, { pageSize: 1000 });
    const report = await service.sync(connection.id, { from: FROM, to: TO, log });

    assert.equal(report.status, 'SUCCEEDED', report.error ?? '');
    const servedNew = rowsIn(revised, FROM, TO);
    assert.equal(servedNew.length, 29, 'one line was revised away');
    const expectedNew = costSum(revised, servedNew);
    assert.notEqual(expectedNew, costSum(dataset, rowsIn(dataset, FROM, TO)), 'the revision changed the window total');
    assert.equal(normalizeDecimal(report.totals.USD), expectedNew);
    assert.equal(report.rows, 29);
    assert.deepEqual(await dbSum({ from: FROM, to: TO }), { total: expectedNew, n: 29 });
    assert.deepEqual(await storedKeys(connection.id), expectedKeys(revised, servedNew));
    // the days before the window still hold what the earlier sync loaded (the revision changed them too)
    assert.notEqual(costSum(revised, rowsIn(revised, earlierFrom, FROM)), outside);
    assert.deepEqual(await dbSum({ to: FROM }), { total: outside, n: 2 * RESOURCES });
    dataset = revised;
  });

  test('a 429 with Cost Management throttling headers is waited out and the sync completes', { timeout: 60_000 }, async () => {
    fake.setDataset(dataset, { pageSize: 1000 });
    const before = fake.queryRequests().length;
    fake.throttleNext(1, { 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '1', 'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after': '0', 'retry-after': '0' });

    const started = Date.now();
    const report = await service.sync(connection.id, { from: FROM, to: TO, log });

    assert.equal(report.status, 'SUCCEEDED', report.error ?? '');
    const queries = fake.queryRequests().slice(before);
    assert.deepEqual(
      queries.map((q) => q.status),
      [429, 200],
    );
    assert.ok(Date.now() - started >= 950, 'waited for the longest header (1 s), not retry-after (0)');
    assert.equal(report.requests, 2, 'the throttled attempt counts');
    assert.deepEqual(await dbSum({ from: FROM, to: TO }), { total: costSum(dataset, rowsIn(dataset, FROM, TO)), n: 29 });
  });

  test('a service failing with 500 every time leaves the previous rows and records a FAILED sync', { timeout: 90_000 }, async () => {
    const before = await dbSum();
    fake.setPages([]); // every query now answers 500
    try {
      const report = await service.sync(connection.id, { from: FROM, to: TO, log });
      assert.equal(report.status, 'FAILED');
      assert.match(report.error ?? '', /failed: 500/);
      assert.match(report.error ?? '', /2024-03-01, 2024-03-06/, 'the error names the window');
      assert.ok(report.requests >= 2, `retried (${report.requests} requests)`);
      assert.ok(report.finishedAt);
      assert.deepEqual(await dbSum(), before);
      const stored = await service.get(connection.id);
      assert.equal(stored.lastStatus, 'FAILED');
      assert.equal(stored.lastError, report.error);
    } finally {
      fake.setDataset(dataset, { pageSize: 1000 });
    }
  });

  test('a fetch that fails after its first page loads nothing of it', { timeout: 90_000 }, async () => {
    const before = await dbSum();
    const served = rowsIn(dataset, FROM, TO);
    // one page of different numbers, with a nextLink the fake then answers with 500
    const cost = dataset.columns.findIndex((c) => c.name === 'Cost');
    const page = {
      properties: {
        nextLink: `https://management.azure.com${SCOPE}/providers/Microsoft.CostManagement/query?api-version=2023-11-01&$skiptoken=x`,
        columns: dataset.columns,
        rows: served.slice(0, 10).map((row) => row.map((cell, i) => (i === cost ? 99999 : cell instanceof DecimalLiteral ? Number(cell.text) : cell))),
      },
    };
    fake.setPages([page]);
    try {
      const report = await service.sync(connection.id, { from: FROM, to: TO, log });
      assert.equal(report.status, 'FAILED');
      assert.match(report.error ?? '', /nextLink .* failed: 500/);
      assert.deepEqual(await dbSum(), before);
    } finally {
      fake.setDataset(dataset, { pageSize: 1000 });
    }
  });

  test('a secret Entra no longer accepts fails with a readable token error and leaves the rows', { timeout: 60_000 }, async () => {
    const before = await dbSum();
    // the same tenant and app, whose secret has since been rotated
    const rotated = await startFakeAzure({ tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: `Gx8Q~rotated-${randomUUID()}`, dataset });
    try {
      const report = await new CostConnectionService(db.db, orgA, settingsFor(rotated)).sync(connection.id, { from: FROM, to: TO, log });
      assert.equal(report.status, 'FAILED');
      assert.match(report.error ?? '', /^Azure sign-in failed: .*AADSTS7000215/);
      assert.equal(rotated.queryRequests().length, 0, 'no query went out without a token');
      assert.equal(report.requests, 0);
      assert.deepEqual(await dbSum(), before);
      assert.ok(!(report.error ?? '').includes(SECRET));
    } finally {
      await rotated.close();
    }
  });

  test('without the key, or with another one, a sync fails naming GCT_SECRET_KEY', { timeout: 30_000 }, async () => {
    const before = await dbSum();
    const noKey = await new CostConnectionService(db.db, orgA, settingsFor(fake, null)).sync(connection.id, { from: FROM, to: TO, log });
    assert.equal(noKey.status, 'FAILED');
    assert.match(noKey.error ?? '', /GCT_SECRET_KEY is not set/);
    const otherKey = await new CostConnectionService(db.db, orgA, settingsFor(fake, randomBytes(32))).sync(connection.id, { from: FROM, to: TO, log });
    assert.equal(otherKey.status, 'FAILED');
    assert.match(otherKey.error ?? '', /does not open with the configured GCT_SECRET_KEY/);
    assert.deepEqual(await dbSum(), before);
  });

  test('two connections over the same scope keep their own rows (the hash includes the connection)', { timeout: 60_000 }, async () => {
    fake.setDataset(dataset, { pageSize: 1000 });
    const twin = await service.create({ name: 'Same subscription, second app', scope: SCOPE, auth: 'CLIENT_SECRET', tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: SECRET });
    const mine = await dbSum({ connectionId: connection.id });
    const report = await service.sync(twin.id, { from: FROM, to: TO, log });
    assert.equal(report.status, 'SUCCEEDED', report.error ?? '');
    assert.equal(report.rows, 29);
    assert.deepEqual(await dbSum({ connectionId: connection.id }), mine);
    assert.deepEqual(await dbSum({ connectionId: twin.id, from: FROM, to: TO }), { total: costSum(dataset, rowsIn(dataset, FROM, TO)), n: 29 });
  });

  test('two syncs of one connection at once both succeed and the window holds one copy', { timeout: 60_000 }, async () => {
    fake.setDataset(dataset, { pageSize: 1000 });
    const [a, b] = await Promise.all([service.sync(connection.id, { from: FROM, to: TO, log }), service.sync(connection.id, { from: FROM, to: TO, log })]);
    assert.equal(a.status, 'SUCCEEDED', a.error ?? '');
    assert.equal(b.status, 'SUCCEEDED', b.error ?? '');
    assert.deepEqual(await dbSum({ connectionId: connection.id, from: FROM, to: TO }), { total: costSum(dataset, rowsIn(dataset, FROM, TO)), n: 29 });
  });

  test('readers see the old total or the new one while a window is replaced, never a dip or a double', { timeout: 90_000 }, async () => {
    // a window big enough that loading it takes a while: 31 days × 150 resources
    const bigFrom = new Date('2023-06-01T00:00:00Z');
    const bigTo = new Date('2023-07-02T00:00:00Z');
    const big = buildCostRows({ start: bigFrom, days: 31, resources: 150, subscriptionId: SUB, seed: 9 });
    const window = await service.create({ name: 'Big', scope: SCOPE, auth: 'CLIENT_SECRET', tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: SECRET });
    fake.setDataset(big, { pageSize: 10_000 });
    assert.equal((await service.sync(window.id, { from: bigFrom, to: bigTo, log })).status, 'SUCCEEDED');
    const oldTotal = costSum(big, big.rows);
    const revised = revise(big);
    const newTotal = costSum(revised, revised.rows);
    fake.setDataset(revised, { pageSize: 10_000 });

    const seen = new Set<string>();
    let done = false;
    const sync = service.sync(window.id, { from: bigFrom, to: bigTo, log }).finally(() => (done = true));
    let samples = 0;
    while (!done) {
      seen.add((await dbSum({ connectionId: window.id })).total);
      samples++;
    }
    const report = await sync;
    seen.add((await dbSum({ connectionId: window.id })).total);

    assert.equal(report.status, 'SUCCEEDED', report.error ?? '');
    assert.ok(samples > 10, `sampled ${samples} times during the sync`);
    assert.deepEqual([...seen].sort(), [newTotal, oldTotal].sort());
    fake.setDataset(dataset, { pageSize: 1000 });
  });

  test('the secret is stored encrypted only, and appears in no log line, error or other row', async () => {
    const forms = [SECRET, encodeURIComponent(SECRET), Buffer.from(SECRET).toString('base64'), Buffer.from(SECRET).toString('hex')];
    const tables = await db.sql<{ name: string }[]>`select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`;
    assert.ok(tables.length > 5);
    for (const { name } of tables) {
      const rows = await db.sql.unsafe<{ t: string }[]>(`select t::text as t from ${name} t`);
      for (const { t } of rows) for (const form of forms) assert.ok(!t.includes(form), `${name} holds the secret`);
    }
    const [row] = await db.sql<{ secret_encrypted: string; org_id: string; id: string }[]>`select secret_encrypted, org_id, id from cost_connections where id = ${connection.id}`;
    // what is stored is the secret under AES-256-GCM: it opens with the key, and only for its own row
    const box = new SecretBox(KEY);
    assert.equal(box.decrypt(row.secret_encrypted, `cost_connections.secret_encrypted:${row.org_id}:${row.id}`), SECRET);
    assert.throws(() => box.decrypt(row.secret_encrypted, `cost_connections.secret_encrypted:${row.org_id}:${randomUUID()}`), /does not open/);

    assert.ok(lines.length > 20, `the log captured ${lines.length} lines`);
    assert.ok(lines.some((l) => l.includes('cost sync failed')) && lines.some((l) => l.includes('waiting before retrying')));
    for (const form of forms) assert.ok(!lines.join('\n').includes(form), 'a log line holds the secret');
    for (const c of await service.list()) assert.deepEqual(Object.keys(c).filter((k) => /secret/i.test(k)), [], 'connections as returned carry no secret field');
  });

  test("another organization cannot see, list, sync or read the syncs of a connection: NOT_FOUND", async () => {
    const b = new CostConnectionService(db.db, orgB, settingsFor(fake));
    assert.deepEqual(await b.list(), []);
    const notFound = (e: unknown) => e instanceof AppError && e.code === 'NOT_FOUND';
    await assert.rejects(b.get(connection.id), notFound);
    await assert.rejects(b.sync(connection.id, { from: FROM, to: TO }), notFound);
    await assert.rejects(b.requestSync(connection.id), notFound);
    await assert.rejects(b.listSyncs(connection.id, 10), notFound);
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from cost_syncs where org_id = ${orgB}`;
    assert.equal(n, 0);
  });

  test('the scheduler skips a connection whose sync still waits in the queue, unless it has waited a day', async () => {
    const due = async () => (await connectionsDueForSync(db.db)).filter((c) => c.orgId === orgA).map((c) => c.id);
    const all = (await db.sql<{ id: string }[]>`select id::text from cost_connections where org_id = ${orgA} order by id`).map((r) => r.id);
    assert.ok(all.length >= 3);
    assert.deepEqual(await due(), all);
    const [{ id }] = await db.sql<{ id: string }[]>`
      insert into cost_syncs (org_id, connection_id, window_start, window_end, status) values (${orgA}, ${connection.id}, ${FROM.toISOString()}::timestamptz, ${TO.toISOString()}::timestamptz, 'QUEUED') returning id`;
    assert.deepEqual(await due(), all.filter((c) => c !== connection.id));
    await db.sql`update cost_syncs set created_at = now() - interval '2 days' where id = ${id}`;
    assert.deepEqual(await due(), all);
    await db.sql`delete from cost_syncs where id = ${id}`;
  });

  test('syncs are listed newest first, in pages', async () => {
    const all = await db.sql<{ id: string }[]>`select id from cost_syncs where org_id = ${orgA} and connection_id = ${connection.id} order by created_at desc, id desc`;
    assert.ok(all.length >= 8);
    const first = await service.listSyncs(connection.id, 3);
    assert.equal(first.hasNextPage, true);
    const second = await service.listSyncs(connection.id, 100, first.endCursor);
    assert.deepEqual([...first.nodes, ...second.nodes].map((s) => s.id), all.map((s) => s.id));
    assert.equal(second.hasNextPage, false);
  });

  test("a page whose only cost column is CostUSD stores USD, whatever its Currency column (the billing currency) says", { timeout: 60_000 }, async () => {
    const usd = await service.create({ name: 'USD only', scope: SCOPE, auth: 'CLIENT_SECRET', tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: SECRET });
    const vm = `/subscriptions/${SUB}/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1`;
    fake.setPages([
      {
        properties: {
          nextLink: null,
          columns: [{ name: 'CostUSD', type: 'Number' }, { name: 'UsageDate', type: 'Number' }, { name: 'ResourceId', type: 'String' }, { name: 'Currency', type: 'String' }],
          rows: [[108, 20240301, vm, 'EUR']],
        },
      },
    ]);
    try {
      const report = await service.sync(usd.id, { from: FROM, to: new Date(FROM.getTime() + DAY) });
      assert.equal(report.status, 'SUCCEEDED', report.error ?? '');
      assert.deepEqual(report.totals, { USD: '108' });
      const rows = await db.sql<{ currency: string; total: string }[]>`
        select currency, sum(billed_cost)::text as total from cost_records where org_id = ${orgA} and source_id = ${usd.id} group by currency`;
      assert.deepEqual(rows.map((r) => [r.currency.trim(), normalizeDecimal(r.total)]), [['USD', '108']]);
    } finally {
      fake.setDataset(dataset, { pageSize: 1000 });
    }
  });

  /** Inserts a sync of `connectionId` RUNNING since `ago` (an interval), as a worker leaves it. */
  const runningSince = async (connectionId: string, ago: string) =>
    (
      await db.sql<{ id: string }[]>`
        insert into cost_syncs (org_id, connection_id, window_start, window_end, status, started_at, created_at)
        values (${orgA}, ${connectionId}, ${FROM.toISOString()}::timestamptz, ${TO.toISOString()}::timestamptz, 'RUNNING', now() - ${ago}::interval, now() - ${ago}::interval)
        returning id`
    )[0].id;
  const statusOf = async (syncId: string) => (await db.sql<{ status: string; error: string | null }[]>`select status, error from cost_syncs where id = ${syncId}`)[0];

  test('a sync a stopped worker left RUNNING is recorded FAILED, with the reason, at the next sync of its connection, which runs', { timeout: 60_000 }, async () => {
    const killed = await service.create({ name: 'Killed worker', scope: SCOPE, auth: 'CLIENT_SECRET', tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: SECRET });
    const abandoned = await runningSince(killed.id, '2 hours');
    const report = await service.sync(killed.id, { from: FROM, to: TO });
    assert.equal(report.status, 'SUCCEEDED', report.error ?? '');
    const left = await statusOf(abandoned);
    assert.equal(left.status, 'FAILED');
    assert.match(left.error ?? '', /the worker running this sync stopped before it finished \(no result 60 minutes after it started/);
    // a sync running for less than its job may is someone's: left alone
    const live = await runningSince(killed.id, '10 minutes');
    assert.equal((await service.sync(killed.id, { from: FROM, to: TO })).status, 'SUCCEEDED');
    assert.equal((await statusOf(live)).status, 'RUNNING');
    await db.sql`delete from cost_syncs where id = ${live}`;
  });

  test('the scheduler skips a connection whose sync is running, unless it has run past its job expiry (its worker stopped)', async () => {
    const due = async () => (await connectionsDueForSync(db.db)).filter((c) => c.orgId === orgA).map((c) => c.id);
    const all = (await db.sql<{ id: string }[]>`select id::text from cost_connections where org_id = ${orgA} order by id`).map((r) => r.id);
    assert.deepEqual(await due(), all);
    const live = await runningSince(connection.id, '10 minutes');
    assert.deepEqual(await due(), all.filter((c) => c !== connection.id));
    await db.sql`update cost_syncs set started_at = now() - interval '61 minutes' where id = ${live}`;
    assert.deepEqual(await due(), all);
    await db.sql`delete from cost_syncs where id = ${live}`;
  });
});

describe('CostConnectionService.create validates what it stores', () => {
  let db: TestDatabase;
  let orgId: string;
  const settings = loadConfig({ GCT_SECRET_KEY: KEY.toString('hex') });
  const base = { name: 'x', auth: 'CLIENT_SECRET' as const, tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47', clientId: '5e1f0c2a-1111-4222-8333-444455556666', clientSecret: SECRET };
  const badInput = (field: string) => (e: unknown) => e instanceof AppError && e.code === 'BAD_USER_INPUT' && e.details.field === field && !e.message.includes(SECRET);

  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'Org V', slug: 'validate' })).organization.id;
  });
  after(() => db.drop());

  test('the three scope forms are accepted and normalised; anything else is refused', async () => {
    const s = new CostConnectionService(db.db, orgId, settings);
    const scopes: [string, string][] = [
      [`subscriptions/${SUB.toUpperCase()}/`, `/subscriptions/${SUB}`],
      [`/subscriptions/${SUB}/resourcegroups/rg-Genomics_1.x-2`, `/subscriptions/${SUB}/resourceGroups/rg-Genomics_1.x-2`],
      ['/providers/microsoft.billing/billingAccounts/8608480', '/providers/Microsoft.Billing/billingAccounts/8608480'],
      [
        '/providers/Microsoft.Billing/billingAccounts/aabbccdd-0000-1111-2222-333344445555:ffeeddcc-0000-1111-2222-333344445555_2019-05-31',
        '/providers/Microsoft.Billing/billingAccounts/aabbccdd-0000-1111-2222-333344445555:ffeeddcc-0000-1111-2222-333344445555_2019-05-31',
      ],
    ];
    for (const [input, stored] of scopes) assert.equal((await s.create({ ...base, scope: input })).scope, stored);
    for (const scope of [
      '/subscriptions/not-a-guid',
      `/subscriptions/${SUB}/resourceGroups/`,
      `/subscriptions/${SUB}/resourceGroups/rg.`,
      `/subscriptions/${SUB}/resourceGroups/rg?x=1`,
      `/subscriptions/${SUB}/providers/Microsoft.Compute/virtualMachines/vm`,
      '/providers/Microsoft.Billing/billingAccounts/../x',
      '/providers/Microsoft.Billing/billingProfiles/123',
      '',
    ]) {
      await assert.rejects(s.create({ ...base, scope }), badInput('scope'), scope);
    }
  });

  test('credentials, window and grouping are checked; managed identity takes no secret', async () => {
    const s = new CostConnectionService(db.db, orgId, settings);
    const scope = `/subscriptions/${SUB}`;
    await assert.rejects(s.create({ ...base, scope, tenantId: null }), badInput('tenantId'));
    await assert.rejects(s.create({ ...base, scope, clientId: 'app' }), badInput('clientId'));
    await assert.rejects(s.create({ ...base, scope, clientSecret: ' ' }), badInput('clientSecret'));
    await assert.rejects(s.create({ ...base, scope, windowDays: 0 }), badInput('windowDays'));
    await assert.rejects(s.create({ ...base, scope, windowDays: 32 }), badInput('windowDays'));
    await assert.rejects(s.create({ ...base, scope, groupBy: { type: 'Dimension', name: 'InvoiceId' } }), badInput('groupBy.name'));
    await assert.rejects(s.create({ ...base, scope, auth: 'MANAGED_IDENTITY' }), badInput('clientSecret'));

    const made = await s.create({ ...base, scope, windowDays: 3, groupBy: { type: 'TagKey', name: 'project' }, costType: 'AmortizedCost' });
    assert.deepEqual([made.windowDays, made.groupBy, made.costType, made.auth], [3, { type: 'TagKey', name: 'project' }, 'AmortizedCost', 'CLIENT_SECRET']);
    const byDefault = await s.create({ ...base, scope });
    assert.deepEqual([byDefault.windowDays, byDefault.groupBy, byDefault.costType], [5, null, 'ActualCost']);
    const mi = await s.create({ name: 'mi', scope, auth: 'MANAGED_IDENTITY', clientId: base.clientId });
    assert.deepEqual([mi.auth, mi.tenantId, mi.clientId], ['MANAGED_IDENTITY', null, base.clientId]);
    const [{ secret_encrypted }] = await db.sql<{ secret_encrypted: string | null }[]>`select secret_encrypted from cost_connections where id = ${mi.id}`;
    assert.equal(secret_encrypted, null);
  });

  test('without GCT_SECRET_KEY a secret is refused, naming the setting, and nothing is stored', async () => {
    const s = new CostConnectionService(db.db, orgId, loadConfig({}));
    const [{ n: before }] = await db.sql<{ n: number }[]>`select count(*)::int as n from cost_connections`;
    await assert.rejects(
      s.create({ ...base, scope: `/subscriptions/${SUB}` }),
      (e: unknown) => badInput('clientSecret')(e) && (e as AppError).message.includes('GCT_SECRET_KEY') && (e as AppError).details.setting === 'GCT_SECRET_KEY',
    );
    const [{ n: after }] = await db.sql<{ n: number }[]>`select count(*)::int as n from cost_connections`;
    assert.equal(after, before);
    // a managed identity needs no key
    assert.equal((await s.create({ name: 'mi', scope: `/subscriptions/${SUB}`, auth: 'MANAGED_IDENTITY' })).auth, 'MANAGED_IDENTITY');
  });

  test('sync windows are whole UTC days, not in the future, at most a year', async () => {
    const s = new CostConnectionService(db.db, orgId, settings);
    const { id } = await s.create({ ...base, scope: `/subscriptions/${SUB}` });
    await assert.rejects(s.sync(id, { from: new Date('2024-03-01T12:00:00Z'), to: TO }), badInput('from'));
    // the end of today is the latest `to`. The service takes today from its own clock, so the edge is checked
    // at a fixed instant (the last millisecond of a day), and the service refuses a day past it whichever side
    // of midnight UTC its clock reads: a day later than tomorrow's end
    const lastMs = new Date('2024-03-10T23:59:59.999Z');
    assert.equal(resolveSyncWindow({ to: new Date('2024-03-11T00:00:00Z') }, 5, lastMs).to.toISOString(), '2024-03-11T00:00:00.000Z');
    assert.throws(() => resolveSyncWindow({ to: new Date('2024-03-12T00:00:00Z') }, 5, lastMs), badInput('to'));
    await assert.rejects(s.sync(id, { from: FROM, to: new Date(Math.floor(Date.now() / DAY) * DAY + 3 * DAY) }), badInput('to'));
    await assert.rejects(s.sync(id, { from: TO, to: FROM }), badInput('from'));
    await assert.rejects(s.sync(id, { from: new Date('2022-01-01T00:00:00Z'), to: new Date('2023-01-03T00:00:00Z') }), badInput('from'));
    const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from cost_syncs where connection_id = ${id}`;
    assert.equal(n, 0, 'a refused window records no sync');
  });
});
