/**
 * One Azure subscription billed through both doors: an Azure sync (the real SDK against the fake
 * Cost Management) and replacing export files. The days an export restates are the file's; the sync
 * keeps the days no export holds yet. Expected totals are exact decimal sums of what the fake serves
 * and what the files say, sharing no code with src/.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { CostConnectionService } from '../../src/services/cost-connections.js';
import { importCostFile } from '../../src/services/cost-import.js';
import { rebuildCostDaily } from '../../src/services/cost-rollup.js';
import { lockCostWrites } from '../../src/services/cost-write-lock.js';
import { createOrganization } from '../../src/services/organizations.js';
import { normalizeDecimal, sumDecimals } from '../fakes/azure/decimal-sum.js';
import { buildCostRows, costSum, DecimalLiteral, rowsIn, type FakeDataset } from '../fakes/azure/rows.js';
import { startFakeAzure, type FakeAzure } from '../fakes/azure/server.js';
import { eaExport, focusExport } from '../ingest/costs/support/subscription-exports.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const SUB = '5d2c7a10-8b3e-4f6a-9c1d-2e4f6a8b0c13';
const SECRET = `Gx8Q~sources-${randomUUID()}`;
const KEY = randomBytes(32).toString('base64');
const DAY = 86_400_000;
const FROM = new Date('2024-03-01T00:00:00Z');
const TO = new Date('2024-03-06T00:00:00Z');
/** The export restates March 1–3 (the sync window's first three days). */
const FILE_TO = new Date('2024-03-04T00:00:00Z');
const RESOURCES = 6;

const fileDays = [0, 1, 2].map((d) => new Date(FROM.getTime() + d * DAY));
const fileCost = (day: number, line: number) => `${10 + day}.${line}25`;

describe('an export file and an Azure sync of one subscription count once', () => {
  let db: TestDatabase;
  let fake: FakeAzure;
  let dataset: FakeDataset;

  const newOrg = async (slug: string) => (await createOrganization(db.db, { name: slug, slug })).organization.id;
  const connect = async (orgId: string, scope = `/subscriptions/${SUB}`) => {
    const settings = loadConfig({ GCT_SECRET_KEY: KEY, GCT_AZURE_AUTHORITY_HOST: fake.authorityHost, GCT_AZURE_ARM_ENDPOINT: fake.armEndpoint });
    const service = new CostConnectionService(db.db, orgId, settings);
    const connection = await service.create({ name: 'Lab subscription', scope, auth: 'CLIENT_SECRET', tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: SECRET });
    return { sync: () => service.sync(connection.id, { from: FROM, to: TO }) };
  };
  const put = (orgId: string, body: Buffer, replace = true) =>
    importCostFile({ sql: db.sql, db: db.db }, orgId, Readable.from([body]), { fileName: 'export.csv', format: 'auto', replace });
  /** Exact billed total and rows stored for the organization in [from, to), every source. */
  const stored = async (orgId: string, from = FROM, to = TO) => {
    const [r] = await db.sql<{ total: string | null; n: number }[]>`
      select sum(billed_cost)::text as total, count(*)::int as n from cost_records
      where org_id = ${orgId} and charge_period_start >= ${from.toISOString()}::timestamptz and charge_period_start < ${to.toISOString()}::timestamptz`;
    return { total: r.total === null ? '0' : normalizeDecimal(r.total), rows: r.n };
  };
  const served = (from: Date, to: Date) => costSum(dataset, rowsIn(dataset, from, to));

  before(async () => {
    db = await createTestDatabase();
    dataset = buildCostRows({ start: FROM, days: 5, resources: RESOURCES, subscriptionId: SUB, seed: 11 });
    fake = await startFakeAzure({ clientSecret: SECRET, dataset });
  });
  after(async () => {
    await fake?.close();
    await db?.drop();
  });

  test('a replacing export takes its days over from the sync, and later syncs leave those days to it', { timeout: 60_000 }, async () => {
    const orgId = await newOrg('sources-a');
    const azure = await connect(orgId);
    const first = await azure.sync();
    assert.equal(first.status, 'SUCCEEDED', first.error ?? '');
    assert.equal(first.rows, 5 * RESOURCES);
    assert.equal(first.rowsSuperseded, 0);

    const file = focusExport(SUB, fileDays, fileCost);
    const report = await put(orgId, file.body);
    // the sync's lines of March 1–3 are the file's now: counted once, and the report says what it took over
    assert.equal(report.replaced?.synced.rows, 3 * RESOURCES);
    assert.deepEqual(report.replaced?.synced.totals.map((t) => [t.currency, normalizeDecimal(t.amount)]), [['USD', served(FROM, FILE_TO)]]);
    const both = { total: normalizeDecimal(sumDecimals([file.total, served(FILE_TO, TO)])), rows: 12 + 2 * RESOURCES };
    assert.deepEqual(await stored(orgId), both);

    // the next sync fetches the whole window again, and removes what it fetched for the file's days
    const again = await azure.sync();
    assert.equal(again.status, 'SUCCEEDED', again.error ?? '');
    assert.equal(again.rows, 2 * RESOURCES);
    assert.equal(again.rowsSuperseded, 3 * RESOURCES);
    assert.deepEqual(again.totals, { USD: served(FILE_TO, TO) });
    assert.deepEqual(
      Object.entries(again.totalsSuperseded).map(([c, a]) => [c, normalizeDecimal(a)]),
      [['USD', served(FROM, FILE_TO)]],
    );
    assert.deepEqual(await stored(orgId), both);
    // and the file's days hold the file's lines alone
    const [sources] = await db.sql<{ sources: string[] }[]>`
      select array_agg(distinct source order by source) as sources from cost_records
      where org_id = ${orgId} and charge_period_start < ${FILE_TO.toISOString()}::timestamptz`;
    assert.deepEqual(sources.sources, ['file']);
  });

  test("an export of one resource group takes over that group's synced lines only: the subscription's other groups stay billed", { timeout: 60_000 }, async () => {
    const orgId = await newOrg('sources-rg');
    const azure = await connect(orgId);
    await azure.sync();
    const march2 = new Date(FROM.getTime() + DAY);
    const resourceIdAt = dataset.columns.findIndex((c) => c.name === 'ResourceId');
    const costAt = dataset.columns.findIndex((c) => c.name === 'Cost');
    const group = rowsIn(dataset, FROM, march2).filter((r) => String(r[resourceIdAt]).includes('/resourcegroups/rg-genomics-1/'));
    assert.ok(group.length > 0 && group.length < RESOURCES, 'the subscription has other groups');
    // the group's export (EA cost details, as Azure writes an export made at resource group scope): its lines of March 1
    const header = ['BillingAccountId', 'BillingPeriodStartDate', 'BillingPeriodEndDate', 'SubscriptionId', 'Date', 'MeterCategory', 'CostInBillingCurrency', 'BillingCurrency', 'ResourceId'];
    const lines = group.map((r) => ['8611537', '03/01/2024', '03/31/2024', SUB, '03/01/2024', 'Virtual Machines', (r[costAt] as DecimalLiteral).text, 'USD', String(r[resourceIdAt])]);
    const body = Buffer.from([header, ...lines].map((l) => l.map((f) => `"${f}"`).join(',')).join('\n') + '\n');
    const report = await put(orgId, body);
    assert.equal(report.replaced?.synced.rows, group.length);
    const [coverage] = await db.sql<{ scope: string }[]>`select scope from cost_file_coverage where org_id = ${orgId}`;
    assert.equal(coverage.scope, `azure/subscriptions/${SUB}/resourcegroups/rg-genomics-1`);
    // the next sync brings the other groups' lines of March 1 again and keeps them; the group's are the file's
    const again = await azure.sync();
    assert.equal(again.rowsSuperseded, group.length);
    assert.deepEqual(await stored(orgId, FROM, march2), { total: normalizeDecimal(served(FROM, march2)), rows: RESOURCES });
    assert.deepEqual(await stored(orgId), { total: normalizeDecimal(served(FROM, TO)), rows: 5 * RESOURCES });
  });

  test("a month-to-date export imported each day keeps one covered range per subscription, the latest export's", { timeout: 60_000 }, async () => {
    const orgId = await newOrg('sources-mtd');
    const imports: string[] = [];
    for (const upTo of [1, 2, 3]) imports.push((await put(orgId, focusExport(SUB, fileDays.slice(0, upTo), fileCost).body)).importId);
    const utc = (column: string) => db.sql.unsafe(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
    const coverage = await db.sql`
      select scope, ${utc('period_start')} as period_start, ${utc('period_end')} as period_end, import_id from cost_file_coverage where org_id = ${orgId}`;
    assert.deepEqual(
      coverage.map((c) => ({ ...c })),
      [{ scope: `azure/subscriptions/${SUB}`, period_start: FROM.toISOString(), period_end: FILE_TO.toISOString(), import_id: imports[2] }],
    );
    const sync = await (await connect(orgId)).sync();
    assert.equal(sync.rowsSuperseded, 3 * RESOURCES);
    assert.deepEqual(await stored(orgId), { total: normalizeDecimal(sumDecimals([focusExport(SUB, fileDays, fileCost).total, served(FILE_TO, TO)])), rows: 12 + 2 * RESOURCES });
  });

  test('invoice months starting at 07:00 UTC: a synced day leaves only when the exports hold all of it, never half lost', { timeout: 60_000 }, async () => {
    const orgId = await newOrg('sources-pacific');
    const azure = await connect(orgId);
    await azure.sync();
    const at = (iso: string) => new Date(iso);
    // March's export (billed 07:00 March 1 to 07:00 April 1) restates March 1 07:00 to March 4: the synced days of March
    // 2 and 3 are its; the synced March 1 (00:00 to 24:00) is only partly, so it stays for now
    const march = focusExport(SUB, [at('2024-03-01T07:00:00Z'), at('2024-03-02T07:00:00Z'), at('2024-03-03T07:00:00Z')], fileCost, {
      period: ['2024-03-01 07:00:00', '2024-04-01 07:00:00'],
    });
    const first = await put(orgId, march.body);
    assert.equal(first.replaced?.synced.rows, 2 * RESOURCES);
    const march1 = new Date(FROM.getTime() + DAY);
    assert.deepEqual(await stored(orgId, FROM, march1), { total: normalizeDecimal(sumDecimals([served(FROM, march1), focusExport(SUB, [FROM], fileCost).total])), rows: RESOURCES + 4 });
    assert.equal((await azure.sync()).rowsSuperseded, 2 * RESOURCES);

    // February's export ends at 07:00 March 1, its last daily line charged from 07:00 February 29: with it the files
    // hold all of March 1, and the synced day goes
    const february = focusExport(SUB, [at('2024-02-29T07:00:00Z')], () => '2.5', { period: ['2024-02-01 07:00:00', '2024-03-01 07:00:00'] });
    // the explorer's rollup holds March 1 with its synced lines until the February import replaces them
    await db.db.transaction((tx) => rebuildCostDaily(tx, orgId, FROM, TO));
    const held = async () => (await db.sql<{ n: number }[]>`select count(*)::int as n from cost_daily_days where org_id = ${orgId} and day = '2024-03-01'`)[0].n;
    assert.equal(await held(), 1);
    const second = await put(orgId, february.body);
    assert.equal(second.replaced?.synced.rows, RESOURCES);
    // its replaced days reach on to March 1, which leaves the rollup (and is reconciled again)
    assert.deepEqual([second.replaced?.from, second.replaced?.to], ['2024-02-29T00:00:00.000Z', '2024-03-02T00:00:00.000Z']);
    assert.equal(await held(), 0);
    assert.deepEqual(second.replaced?.synced.totals.map((t) => normalizeDecimal(t.amount)), [served(FROM, march1)]);
    const again = await azure.sync();
    assert.deepEqual([again.rows, again.rowsSuperseded], [2 * RESOURCES, 3 * RESOURCES]);
    assert.deepEqual(await stored(orgId, new Date(FROM.getTime() - DAY), TO), {
      total: normalizeDecimal(sumDecimals([february.total, march.total, served(FILE_TO, TO)])),
      rows: 4 + 12 + 2 * RESOURCES,
    });
  });

  test("a billing account's charge with no subscription, synced and in an EA export of the enrollment, counts once", { timeout: 60_000 }, async () => {
    const orgId = await newOrg('sources-purchase');
    const vm = `/subscriptions/${SUB}/resourcegroups/rg-genomics-1/providers/microsoft.compute/virtualmachines/ea0`;
    // the billing account's sync: a VM of the subscription, and a purchase Cost Management answers with no resource
    const cols = ['Cost', 'CostUSD', 'UsageDate', 'ResourceId', 'Currency'].map((name) => ({ name, type: name === 'Cost' || name === 'CostUSD' || name === 'UsageDate' ? ('Number' as const) : ('String' as const) }));
    const row = (cost: string, resource: string) => [new DecimalLiteral(cost), new DecimalLiteral(cost), 20240301, resource, 'USD'];
    fake.setDataset({ columns: cols, rows: [row('9.5', vm), row('300', '')] });
    try {
      const azure = await connect(orgId, '/providers/Microsoft.Billing/billingAccounts/8611537');
      const first = await azure.sync();
      assert.equal(first.status, 'SUCCEEDED', first.error ?? '');
      const ea = eaExport(SUB, FROM, ['10'], '310');
      const report = await put(orgId, ea.body);
      assert.equal(report.replaced?.synced.rows, 2, 'the VM line and the purchase');
      const again = await azure.sync();
      assert.deepEqual([again.rows, again.rowsSuperseded], [0, 2]);
      assert.deepEqual(await stored(orgId), { total: '320', rows: 2 });
    } finally {
      fake.setDataset(dataset);
    }
  });

  /** A FOCUS export of billing account `account` (written as Azure's FOCUS export writes it, a path): a VM line of the subscription and a charge with no subscription, on March 1. */
  const focusOfAccount = (account: string, vmCost: string, purchase: string) => {
    const header = ['ProviderName', 'BillingAccountId', 'SubAccountId', 'ResourceId', 'ChargePeriodStart', 'ChargePeriodEnd', 'BillingPeriodStart', 'BillingPeriodEnd', 'BilledCost', 'EffectiveCost', 'BillingCurrency'];
    const vm = `/subscriptions/${SUB}/resourceGroups/rg-genomics-1/providers/Microsoft.Compute/virtualMachines/vm0`;
    const day = ['2024-03-01 00:00:00', '2024-03-02 00:00:00', '2024-03-01 00:00:00', '2024-04-01 00:00:00'];
    const lines = [
      ['Microsoft', account, `/subscriptions/${SUB}`, vm, ...day, vmCost, vmCost, 'USD'],
      ['Microsoft', account, '', '', ...day, purchase, purchase, 'USD'],
    ];
    return Buffer.from([header, ...lines].map((r) => r.map((f) => `"${f}"`).join(',')).join('\n') + '\n');
  };
  /** The billing account's sync answers a VM of the subscription and a purchase with no resource, on March 1. */
  const serveAccountDay = () => {
    const cols = ['Cost', 'CostUSD', 'UsageDate', 'ResourceId', 'Currency'].map((name) => ({ name, type: name === 'Cost' || name === 'CostUSD' || name === 'UsageDate' ? ('Number' as const) : ('String' as const) }));
    const vm = `/subscriptions/${SUB}/resourcegroups/rg-genomics-1/providers/microsoft.compute/virtualmachines/vm0`;
    const row = (cost: string, resource: string) => [new DecimalLiteral(cost), new DecimalLiteral(cost), 20240301, resource, 'USD'];
    fake.setDataset({ columns: cols, rows: [row('9.5', vm), row('300', '')] });
  };

  test("a billing account's charge with no subscription, synced and in a FOCUS export (the account id written as a path), counts once", { timeout: 60_000 }, async () => {
    const orgId = await newOrg('sources-focus-purchase');
    serveAccountDay();
    try {
      const azure = await connect(orgId, '/providers/Microsoft.Billing/billingAccounts/8611537');
      const first = await azure.sync();
      assert.equal(first.status, 'SUCCEEDED', first.error ?? '');
      const report = await put(orgId, focusOfAccount('/providers/Microsoft.Billing/billingAccounts/8611537', '10', '310'));
      assert.equal(report.replaced?.synced.rows, 2, 'the VM line and the purchase');
      const again = await azure.sync();
      assert.deepEqual([again.rows, again.rowsSuperseded], [0, 2]);
      assert.deepEqual(await stored(orgId), { total: '320', rows: 2 });
    } finally {
      fake.setDataset(dataset);
    }
  });

  test('an MCA billing account written in other cases, and synced lines stored before ids were normalised, are one account', { timeout: 60_000 }, async () => {
    const orgId = await newOrg('sources-mca-purchase');
    const mca = '5E1F0C2A-1111-4222-8333-444455556666:0B1F6C2E-5A4D-4C3B-9A8E-7F6D5C4B3A21_2019-05-31';
    serveAccountDay();
    try {
      const azure = await connect(orgId, `/providers/Microsoft.Billing/billingAccounts/${mca}`);
      assert.equal((await azure.sync()).status, 'SUCCEEDED');
      const [{ ids }] = await db.sql<{ ids: string[] }[]>`select array_agg(distinct billing_account_id) as ids from cost_records where org_id = ${orgId}`;
      assert.deepEqual(ids, [mca.toLowerCase()]);
      // a sync before stored the id as the scope was typed
      await db.sql`update cost_records set billing_account_id = ${mca} where org_id = ${orgId} and source = 'azure_api'`;
      const report = await put(orgId, focusOfAccount(`/providers/Microsoft.Billing/billingAccounts/${mca.toLowerCase()}`, '10', '310'));
      assert.equal(report.replaced?.synced.rows, 2);
      assert.deepEqual(await stored(orgId), { total: '320', rows: 2 });
    } finally {
      fake.setDataset(dataset);
    }
  });

  test('a sync answered with rows longer than a day fails and replaces nothing', { timeout: 60_000 }, async () => {
    const orgId = await newOrg('sources-undated');
    const azure = await connect(orgId);
    await azure.sync();
    const before = await stored(orgId);
    // no UsageDate column: each row would stand for the whole window
    const dated = dataset.columns.findIndex((c) => c.name === 'UsageDate');
    fake.setDataset({ columns: dataset.columns.filter((_, i) => i !== dated), rows: dataset.rows.slice(0, 3).map((r) => r.filter((_, i) => i !== dated)) });
    try {
      const failed = await azure.sync();
      assert.equal(failed.status, 'FAILED');
      assert.match(failed.error ?? '', /not one UTC day; nothing was replaced/);
    } finally {
      fake.setDataset(dataset);
    }
    assert.deepEqual(await stored(orgId), before);
  });

  test("the takeover is the organization's own: another organization syncing the subscription keeps every day", { timeout: 60_000 }, async () => {
    const mine = await newOrg('sources-mine');
    const theirs = await newOrg('sources-theirs');
    await put(mine, focusExport(SUB, fileDays, fileCost).body);
    const sync = await (await connect(theirs)).sync();
    assert.equal(sync.status, 'SUCCEEDED', sync.error ?? '');
    assert.equal(sync.rowsSuperseded, 0);
    assert.deepEqual(await stored(theirs), { total: served(FROM, TO), rows: 5 * RESOURCES });
  });

  test('an adding (not replacing) import takes nothing over: both sources count, as documented', { timeout: 60_000 }, async () => {
    const orgId = await newOrg('sources-add');
    const azure = await connect(orgId);
    await azure.sync();
    const file = focusExport(SUB, fileDays, fileCost);
    const report = await put(orgId, file.body, false);
    assert.equal(report.replaced, null);
    const again = await azure.sync();
    assert.equal(again.rowsSuperseded, 0);
    assert.deepEqual(await stored(orgId), { total: normalizeDecimal(sumDecimals([file.total, served(FROM, TO)])), rows: 12 + 5 * RESOURCES });
  });

  test('an EA export of the subscription replaces the FOCUS export of it on its days: one subscription, however written', { timeout: 60_000 }, async () => {
    const orgId = await newOrg('sources-ea');
    const focus = focusExport(SUB, fileDays, fileCost);
    await put(orgId, focus.body);
    const march2 = new Date(FROM.getTime() + DAY);
    const ea = eaExport(SUB, march2, ['3.5', '0.000125']);
    const report = await put(orgId, ea.body);
    assert.equal(report.replaced?.rows, 4, "the FOCUS file's four lines of March 2");
    const focusKept = focusExport(SUB, [fileDays[0], fileDays[2]], (d, line) => fileCost(d === 0 ? 0 : 2, line)).total;
    assert.deepEqual(await stored(orgId), { total: normalizeDecimal(sumDecimals([focusKept, ea.total])), rows: 8 + 2 });
  });

  test('a replacing import waiting on a sync that waits too: no deadlock, and nothing counts twice', { timeout: 60_000 }, async () => {
    const orgId = await newOrg('sources-race');
    const azure = await connect(orgId);
    await azure.sync();
    const file = focusExport(SUB, fileDays, fileCost);
    const waiting = async (n: number) => {
      for (;;) {
        const [w] = await db.sql<{ n: number }[]>`select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`;
        if (w.n >= n) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // the organization's bill writes held here, the import queues first and the sync behind it; both then run in that
    // order. A sync that deleted its window before queueing would hold the lines the import takes over: a deadlock
    const [sync, report] = await db.sql.begin(async (tx) => {
      await lockCostWrites(tx, orgId);
      const importing = put(orgId, file.body);
      await waiting(1);
      const syncing = azure.sync();
      await waiting(2);
      // an object, not an array: postgres.js awaits an array the callback returns before it commits
      return { syncing, importing };
    }).then(({ syncing, importing }) => Promise.all([syncing, importing]));
    assert.equal(sync.status, 'SUCCEEDED', sync.error ?? '');
    assert.equal(report.replaced?.synced.rows, 3 * RESOURCES);
    assert.equal(sync.rowsSuperseded, 3 * RESOURCES);
    assert.deepEqual(await stored(orgId), { total: normalizeDecimal(sumDecimals([file.total, served(FILE_TO, TO)])), rows: 12 + 2 * RESOURCES });
  });
});
