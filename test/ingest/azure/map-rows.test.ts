import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResourceId, parseScope } from '../../../src/ingest/azure/azure-ids.js';
import { mapQueryPage, type PageContext } from '../../../src/ingest/azure/map-rows.js';

const ctx = (over: Partial<PageContext> = {}): PageContext => ({
  scope: parseScope('subscriptions/AAAA-1111'),
  window: { from: new Date('2024-01-01T00:00:00Z'), to: new Date('2024-02-01T00:00:00Z') },
  costType: 'ActualCost',
  page: 2,
  ...over,
});

const RID = '/subscriptions/bbbb-2222/resourceGroups/RG-Seq/providers/Microsoft.Sql/servers/s1/databases/db1';

test('SubscriptionId column beats the id, which beats the scope; resource parts come from the id', () => {
  const [fromId] = mapQueryPage({ columns: [{ name: 'Cost' }, { name: 'ResourceId' }, { name: 'Currency' }], rows: [[1.5, RID, 'eur']] }, ctx());
  assert.equal(fromId.subAccountId, 'bbbb-2222');
  assert.equal(fromId.resourceGroup, 'rg-seq');
  assert.equal(fromId.resourceType, 'microsoft.sql/servers/databases');
  assert.equal(fromId.resourceName, 'db1');
  assert.equal(fromId.currency, 'EUR');

  const [fromColumn] = mapQueryPage({ columns: [{ name: 'Cost' }, { name: 'ResourceId' }, { name: 'SubscriptionId' }, { name: 'Currency' }], rows: [[1.5, RID, 'CCCC-3333', 'EUR']] }, ctx());
  assert.equal(fromColumn.subAccountId, 'cccc-3333');

  const [fromScope] = mapQueryPage({ columns: [{ name: 'Cost' }, { name: 'Currency' }], rows: [[1.5, 'EUR']] }, ctx());
  assert.equal(fromScope.subAccountId, 'aaaa-1111');
});

test('Cost beats CostUSD whatever the column order; CostUSD alone is USD', () => {
  const [row] = mapQueryPage({ columns: [{ name: 'CostUSD' }, { name: 'Currency' }, { name: 'Cost' }], rows: [[10.8, 'EUR', 10]] }, ctx());
  assert.deepEqual([row.billedCost, row.currency], ['10', 'EUR']);
  const [usd] = mapQueryPage({ columns: [{ name: 'CostUSD' }], rows: [[3.25]] }, ctx());
  assert.deepEqual([usd.billedCost, usd.currency], ['3.25', 'USD']);
});

test("a USD column is USD even beside a Currency column: that is the billing currency, which CostUSD is not in", () => {
  const [usd] = mapQueryPage({ columns: [{ name: 'CostUSD' }, { name: 'Currency' }], rows: [[108, 'EUR']] }, ctx());
  assert.deepEqual([usd.billedCost, usd.currency], ['108', 'USD']);
  const [preTax] = mapQueryPage({ columns: [{ name: 'Currency' }, { name: 'PreTaxCostUSD' }], rows: [['GBP', 7.5]] }, ctx());
  assert.deepEqual([preTax.billedCost, preTax.currency], ['7.5', 'USD']);
});

test("a billing account's rows store its id bare and lower-cased, the form exports' ids are compared in", () => {
  const scope = parseScope('/providers/Microsoft.Billing/billingAccounts/5E1F0C2A-1111-4222-8333-444455556666:0B1F6C2E-5A4D-4C3B-9A8E-7F6D5C4B3A21_2019-05-31');
  const [row] = mapQueryPage({ columns: [{ name: 'Cost' }, { name: 'Currency' }], rows: [[300, 'USD']] }, ctx({ scope }));
  assert.equal(row.billingAccountId, '5e1f0c2a-1111-4222-8333-444455556666:0b1f6c2e-5a4d-4c3b-9a8e-7f6d5c4b3a21_2019-05-31');
  assert.equal(row.subAccountId, null);
});

test('AmortizedCost fills effectiveCost too', () => {
  const [row] = mapQueryPage({ columns: [{ name: 'Cost' }, { name: 'Currency' }], rows: [[2, 'USD']] }, ctx({ costType: 'AmortizedCost' }));
  assert.deepEqual([row.billedCost, row.effectiveCost], ['2', '2']);
});

test('an empty answer (HTTP 204: no columns, no rows) is no rows, not an error', () => {
  assert.deepEqual(mapQueryPage({ columns: [], rows: [] }, ctx()), []);
});

test('malformed answers fail with the page, row and column named', () => {
  const cols = [{ name: 'Cost' }, { name: 'UsageDate' }, { name: 'Currency' }];
  assert.throws(() => mapQueryPage({ columns: [{ name: 'Quantity' }], rows: [[1]] }, ctx()), /page 2: no cost column .*got Quantity/);
  assert.throws(() => mapQueryPage({ columns: cols, rows: [[1, 20240230, 'USD']] }, ctx()), /page 2 row 1: UsageDate 20240230 is not a calendar date/);
  assert.throws(() => mapQueryPage({ columns: cols, rows: [[1, 20240201, 'USD']] }, ctx()), /UsageDate 2024-02-01 lies outside the queried window/);
  assert.throws(() => mapQueryPage({ columns: cols, rows: [[1, 20240105, 'USD'], ['n/a', 20240105, 'USD']] }, ctx()), /row 2: Cost "n\/a" is not a number/);
  assert.throws(() => mapQueryPage({ columns: [{ name: 'Cost' }], rows: [[1]] }, ctx()), /no Currency column to go with Cost/);
  // one over-long grouping value or tag failed the sync's whole write at Postgres's index limit, naming no row
  const long = 'x'.repeat(5000);
  assert.throws(() => mapQueryPage({ columns: [{ name: 'Cost' }, { name: 'ServiceName' }, { name: 'Currency' }], rows: [[1, 'VM', 'USD'], [1, long, 'USD']] }, ctx()), /page 2 row 2: ServiceName: must be at most 800 bytes/);
  assert.throws(() => mapQueryPage({ columns: [{ name: 'Cost' }, { name: 'TagKey' }, { name: 'TagValue' }, { name: 'Currency' }], rows: [[1, 'k', long, 'USD']] }, ctx()), /row 1: Tags: the value of tag "k" must be at most 800 bytes/);
});

test('parseResourceId tolerates odd ids; parseScope refuses URL-altering scopes', () => {
  assert.deepEqual(parseResourceId('/subscriptions/x'), { subscriptionId: 'x', resourceGroup: null, resourceType: null, resourceName: null });
  assert.equal(parseScope('/providers/Microsoft.Billing/billingAccounts/1234:5678_2019-05-31/').billingAccountId, '1234:5678_2019-05-31');
  assert.throws(() => parseScope('subscriptions/x?api-version=1'), /not an ARM scope path/);
  assert.throws(() => parseScope('subscriptions/../tenants'), /not an ARM scope path/);
});
