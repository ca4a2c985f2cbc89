import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { CostRow } from '../../../src/ingest/costs/cost-row.js';
import { fetchAzureCosts, type CostQueryRequestInfo } from '../../../src/ingest/azure/fetch-costs.js';
import { CostQueryError } from '../../../src/ingest/azure/next-page.js';
import { QpuBudget } from '../../../src/ingest/azure/qpu-budget.js';
import { costClientForFake } from '../../fakes/azure/clients.js';
import { manualClock } from '../../fakes/azure/manual-clock.js';
import { normalizeDecimal, sumDecimals } from '../../fakes/azure/decimal-sum.js';
import { buildCostRows, cellText, type FakeDataset } from '../../fakes/azure/rows.js';
import { startFakeAzure, type FakeAzure } from '../../fakes/azure/server.js';
import { fixturePath } from '../../support/fixtures.js';

const SUB = '00000000-0000-0000-0000-000000000000';
const SCOPE = `subscriptions/${SUB}`;
const DAY = 86_400_000;

async function collect(gen: AsyncGenerator<CostRow>): Promise<CostRow[]> {
  const out: CostRow[] = [];
  for await (const row of gen) out.push(row);
  return out;
}

/** What the fake was configured to serve, reduced to "resource|day|cost" from its own cells. */
function expectedKeys(dataset: FakeDataset, costColumn = 'Cost'): string[] {
  const at = (name: string): number => dataset.columns.findIndex((c) => c.name === name);
  return dataset.rows
    .map((row) => {
      const d = String(row[at('UsageDate')]);
      const day = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
      return `${row[at('ResourceId')]}|${day}|${normalizeDecimal(cellText(row[at(costColumn)])!)}`;
    })
    .sort();
}

function actualKeys(rows: CostRow[]): string[] {
  return rows.map((r) => `${r.resourceId}|${r.chargePeriodStart.toISOString().slice(0, 10)}|${normalizeDecimal(r.billedCost)}`).sort();
}

function costCells(dataset: FakeDataset, costColumn = 'Cost'): string[] {
  const at = dataset.columns.findIndex((c) => c.name === costColumn);
  return dataset.rows.map((row) => cellText(row[at])!);
}

describe('fetchAzureCosts against the fake Azure (real ClientSecretCredential + CostManagementClient)', () => {
  let fake: FakeAzure;
  before(async () => {
    fake = await startFakeAzure();
  });
  after(async () => {
    await fake.close();
  });

  test('follows every nextLink of a 3-page answer and returns exactly the served rows', { timeout: 20_000 }, async () => {
    // 5 days × 6 resources = 30 rows; 12 per page -> 12 + 12 + 6
    const dataset = buildCostRows({ start: new Date('2024-03-01T00:00:00Z'), days: 5, resources: 6, seed: 7 });
    fake.setDataset(dataset, { pageSize: 12 });
    const before = fake.requests.length;
    const seen: CostQueryRequestInfo[] = [];

    const rows = await collect(
      fetchAzureCosts({
        client: costClientForFake(fake),
        scope: `/${SCOPE}`,
        from: new Date('2024-03-01T00:00:00Z'),
        to: new Date('2024-03-06T00:00:00Z'),
        onRequest: (info) => seen.push(info),
      }),
    );

    const mine = fake.requests.slice(before);
    const queries = mine.filter((r) => r.kind === 'query');
    assert.equal(queries.length, 3, 'one query and two nextLinks');
    assert.ok(!queries[0].path.includes('$skiptoken'));
    assert.ok(queries[1].path.includes('$skiptoken=') && queries[2].path.includes('$skiptoken='));
    assert.ok(queries.every((q) => q.status === 200));
    // the nextLinks were POSTed with the very body of the first query
    const bodies = queries.map((q) => JSON.parse(q.body));
    assert.deepEqual(bodies[1], bodies[0]);
    assert.deepEqual(bodies[2], bodies[0]);
    assert.equal(bodies[0].timeframe, 'Custom');
    assert.equal(bodies[0].dataset.granularity, 'Daily');
    assert.deepEqual(bodies[0].dataset.grouping, [{ type: 'Dimension', name: 'ResourceId' }]);
    assert.deepEqual(seen.map((s) => s.page), [1, 2, 3]);

    // the token was asked for the ARM endpoint's scope, through the client-credentials grant
    const tokenRequest = mine.find((r) => r.kind === 'token');
    assert.ok(tokenRequest, 'MSAL fetched a token from the fake');
    const form = new URLSearchParams(tokenRequest.body);
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('scope'), `${fake.armEndpoint}/.default`);

    assert.equal(rows.length, 30);
    assert.deepEqual(actualKeys(rows), expectedKeys(dataset));
    assert.equal(sumDecimals(rows.map((r) => r.billedCost)), sumDecimals(costCells(dataset)));
    for (const r of rows) {
      assert.equal(r.provider, 'azure');
      assert.equal(r.currency, 'USD');
      assert.equal(r.subAccountId, SUB);
      assert.equal(r.chargePeriodEnd.getTime() - r.chargePeriodStart.getTime(), DAY);
      assert.match(r.billedCost, /^-?\d+(\.\d+)?$/, 'plain decimal, no exponent');
      assert.equal(r.resourceGroup, r.resourceId!.split('/')[4], 'resource group parsed from the id');
      assert.equal(r.resourceGroup, r.resourceGroup!.toLowerCase());
    }
  });

  test('a 70-day range becomes 31 + 31 + 8 day queries that tile it exactly', { timeout: 20_000 }, async () => {
    const start = new Date('2024-01-01T00:00:00Z');
    const dataset = buildCostRows({ start: new Date(start.getTime() - 5 * DAY), days: 80, resources: 2, seed: 11 });
    fake.setDataset(dataset, { pageSize: 1000 });
    const before = fake.requests.length;

    const rows = await collect(fetchAzureCosts({ client: costClientForFake(fake), scope: SCOPE, from: start, to: new Date(start.getTime() + 70 * DAY) }));

    const periods = fake.requests
      .slice(before)
      .filter((r) => r.kind === 'query')
      .map((r) => JSON.parse(r.body).timePeriod as { from: string; to: string });
    assert.equal(periods.length, 3);
    // inclusive ends as the API wants them: each window closes one second before the next opens
    assert.deepEqual(periods, [
      { from: '2024-01-01T00:00:00.000Z', to: '2024-01-31T23:59:59.000Z' },
      { from: '2024-02-01T00:00:00.000Z', to: '2024-03-02T23:59:59.000Z' },
      { from: '2024-03-03T00:00:00.000Z', to: '2024-03-10T23:59:59.000Z' },
    ]);
    // the fake served only rows inside each period; together exactly the 70 days asked for, once each
    const inRange: FakeDataset = {
      columns: dataset.columns,
      rows: dataset.rows.filter((row) => {
        const d = String(row[dataset.columns.findIndex((c) => c.name === 'UsageDate')]);
        return d >= '20240101' && d <= '20240310';
      }),
    };
    assert.equal(rows.length, 70 * 2);
    assert.deepEqual(actualKeys(rows), expectedKeys(inRange));
  });

  test('columns are located by name: a reordered response maps the same', { timeout: 20_000 }, async () => {
    const original = buildCostRows({ start: new Date('2024-05-01T00:00:00Z'), days: 2, resources: 3, second: 'ServiceName', currency: 'EUR', seed: 3 });
    const order = [...original.columns.keys()].reverse();
    const reversed: FakeDataset = { columns: order.map((i) => original.columns[i]), rows: original.rows.map((row) => order.map((i) => row[i])) };
    fake.setDataset(reversed, { pageSize: 1000 });

    const rows = await collect(fetchAzureCosts({ client: costClientForFake(fake), scope: SCOPE, from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-03T00:00:00Z'), groupBy: { type: 'Dimension', name: 'ServiceName' } }));

    assert.deepEqual(actualKeys(rows), expectedKeys(original));
    // Cost (EUR), not CostUSD, is the billed amount, with the Currency column's code
    assert.ok(rows.every((r) => r.currency === 'EUR'));
    assert.equal(sumDecimals(rows.map((r) => r.billedCost)), sumDecimals(costCells(original, 'Cost')));
    assert.notEqual(sumDecimals(rows.map((r) => r.billedCost)), sumDecimals(costCells(original, 'CostUSD')));
    const svc = original.columns.findIndex((c) => c.name === 'ServiceName');
    const rid = original.columns.findIndex((c) => c.name === 'ResourceId');
    const serviceOf = new Map(original.rows.map((row) => [row[rid], row[svc]]));
    for (const r of rows) assert.equal(r.serviceName, serviceOf.get(r.resourceId));
  });

  test('the second grouping lands in its CostRow field (ResourceLocation, TagKey)', { timeout: 20_000 }, async () => {
    const from = new Date('2024-06-01T00:00:00Z');
    const to = new Date('2024-06-02T00:00:00Z');

    fake.setDataset(buildCostRows({ start: from, days: 1, resources: 4, second: 'ResourceLocation' }));
    const located = await collect(fetchAzureCosts({ client: costClientForFake(fake), scope: SCOPE, from, to, groupBy: { type: 'Dimension', name: 'ResourceLocation' } }));
    assert.deepEqual(
      located.map((r) => r.regionId),
      ['westeurope', 'westeurope', 'northeurope', 'westeurope'],
    );

    const before = fake.requests.length;
    fake.setDataset(buildCostRows({ start: from, days: 1, resources: 4, second: { tagKey: 'project' } }));
    const tagged = await collect(fetchAzureCosts({ client: costClientForFake(fake), scope: SCOPE, from, to, groupBy: { type: 'TagKey', name: 'project' } }));
    assert.deepEqual(JSON.parse(fake.requests.slice(before).find((r) => r.kind === 'query')!.body).dataset.grouping, [
      { type: 'Dimension', name: 'ResourceId' },
      { type: 'TagKey', name: 'project' },
    ]);
    // the fourth resource is untagged (empty TagValue): no tag rather than an empty one
    assert.deepEqual(
      tagged.map((r) => r.tags),
      [{ project: 'project-0' }, { project: 'project-1' }, { project: 'project-2' }, {}],
    );
  });

  test('an unmappable grouping dimension is refused before any request', async () => {
    const before = fake.requests.length;
    await assert.rejects(
      collect(fetchAzureCosts({ client: costClientForFake(fake), scope: SCOPE, from: new Date('2024-06-01T00:00:00Z'), to: new Date('2024-06-02T00:00:00Z'), groupBy: { type: 'Dimension', name: 'InvoiceId' } })),
      /groupBy dimension "InvoiceId" has no CostRow field/,
    );
    assert.equal(fake.requests.length, before);
  });

  test('the recorded fixture bodies, served verbatim, map by their own columns (PreTaxCost, ResourceGroup, Currency)', { timeout: 20_000 }, async () => {
    const billingText = readFileSync(fixturePath('azure-rest-api-specs', 'BillingAccountQueryGrouping.json'), 'utf8');
    const subscriptionText = readFileSync(fixturePath('azure-rest-api-specs', 'SubscriptionQueryGrouping.json'), 'utf8');
    const billingBody = JSON.parse(billingText).responses['200'].body;
    const subscriptionBody = JSON.parse(subscriptionText).responses['200'].body;
    // the billing-account page carries a real nextLink (api-version=2021-10-01, $skiptoken): the fake
    // points it at itself and answers it with the subscription example's page, whose nextLink is null
    fake.setPages([billingBody, subscriptionBody]);
    const before = fake.requests.length;
    const from = new Date('2024-02-01T00:00:00Z');
    const to = new Date('2024-03-01T00:00:00Z');

    const rows = await collect(fetchAzureCosts({ client: costClientForFake(fake), scope: 'providers/Microsoft.Billing/billingAccounts/70664866', from, to, groupBy: { type: 'Dimension', name: 'ResourceGroup' } }));

    const queries = fake.requests.slice(before).filter((r) => r.kind === 'query');
    assert.equal(queries.length, 2);
    assert.match(queries[1].path, /\$skiptoken=AQAAAA%3D%3D/);
    // the SDK's api-version policy moved the recorded link's 2021-10-01 to the client's version
    assert.match(queries[1].path, /api-version=2023-11-01/);

    // expectations straight from the files' text: the number literals as written, not as parsed
    const literalRows = (text: string): Array<[string, string, string]> =>
      [...text.matchAll(/\[\s*(-?\d+(?:\.\d+)?),\s*"([^"]*)",\s*"([A-Z]{3})"\s*\]/g)].map((m) => [m[1], m[2], m[3]]);
    const expected = [...literalRows(billingText), ...literalRows(subscriptionText)];
    assert.equal(expected.length, 7);
    // Azure writes up to 17 significant digits (20.359416562625452); a JS number keeps the double,
    // and the row carries its shortest exact decimal (20.35941656262545): the same value, no digit invented
    assert.deepEqual(
      rows.map((r) => [Number(r.billedCost), r.resourceGroup, r.currency]),
      expected.map(([cost, rg, currency]) => [Number(cost), rg.toLowerCase(), currency]),
    );
    for (const r of rows) {
      assert.match(r.billedCost, /^\d+\.\d+$/);
      assert.equal(r.billingAccountId, '70664866');
      assert.equal(r.resourceId, null);
      // granularity None answers have no UsageDate: the row covers the queried window
      assert.deepEqual([r.chargePeriodStart, r.chargePeriodEnd], [from, to]);
    }
  });

  test('a nextLink to another origin is refused (the bearer token would follow it)', { timeout: 20_000 }, async () => {
    const billingBody = JSON.parse(readFileSync(fixturePath('azure-rest-api-specs', 'BillingAccountQueryGrouping.json'), 'utf8')).responses['200'].body;
    fake.setPages([billingBody], { rewriteNextLinks: false });
    const rows: CostRow[] = [];
    await assert.rejects(
      (async () => {
        for await (const r of fetchAzureCosts({ client: costClientForFake(fake), scope: 'providers/Microsoft.Billing/billingAccounts/70664866', from: new Date('2024-02-01T00:00:00Z'), to: new Date('2024-03-01T00:00:00Z') })) rows.push(r);
      })(),
      (error: Error) => error.message.includes('https://management.azure.com') && error.message.includes(fake.armEndpoint),
    );
    assert.equal(rows.length, 3, 'the first page was still delivered');
  });

  test('a service error names the query it belongs to', { timeout: 20_000 }, async () => {
    // a service that allows only 5 days per query rejects our 31-day window with 400
    const strict = await startFakeAzure({ maxDaysPerQuery: 5, dataset: buildCostRows({ start: new Date('2024-01-01T00:00:00Z'), days: 1, resources: 1 }) });
    try {
      await assert.rejects(
        collect(fetchAzureCosts({ client: costClientForFake(strict), scope: SCOPE, from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-01-21T00:00:00Z') })),
        (error: unknown) =>
          error instanceof CostQueryError &&
          error.statusCode === 400 &&
          error.message.includes(`${SCOPE} [2024-01-01, 2024-01-21)`) &&
          error.message.includes('spans 20 days'),
      );
    } finally {
      await strict.close();
    }
  });

  test('the QPU budget spaces calls: with 2 per second the third page waits', { timeout: 20_000 }, async () => {
    fake.setDataset(buildCostRows({ start: new Date('2024-07-01T00:00:00Z'), days: 3, resources: 2 }), { pageSize: 2 });
    const before = fake.requests.length;
    // the budget's clock stands still but for its own sleeps: the wait it imposes is read off, not timed
    // (times at the fake carry loopback delay, which a loaded machine stretches either way)
    const clock = manualClock();
    const budget = new QpuBudget({ quota: [{ limit: 2, windowMs: 1000 }], clock });
    const rows = await collect(fetchAzureCosts({ client: costClientForFake(fake, { budget }), scope: SCOPE, from: new Date('2024-07-01T00:00:00Z'), to: new Date('2024-07-04T00:00:00Z') }));
    assert.equal(rows.length, 6);
    assert.equal(fake.requests.slice(before).filter((r) => r.kind === 'query').length, 3);
    assert.deepEqual(clock.slept, [1000], 'the third call waits until the first leaves the 1000 ms window; the first two do not wait');
  });
});
