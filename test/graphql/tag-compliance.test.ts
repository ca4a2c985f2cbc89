import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createOrgWithKeys, startTestApp, type GqlResult, type TestApp } from '../support/app.js';
import { fixturePath } from '../support/fixtures.js';
import { readRawCsv, scaled, usDateToIso } from '../ingest/costs/support/raw-csv.js';

const EA_ACTUAL = fixturePath('finops-toolkit', 'EA_ActualCost_Small.csv');
const ea = readRawCsv(EA_ACTUAL);

/** Required keys in another case than the file's `CostCenter`: Azure tag names ignore case. */
const REQUIRED = ['costcenter', 'org'];

/** The file's tags, read independently: EA exports carry `"k": "v"` fragments without braces. */
function rawTags(text: string): Record<string, string> {
  const t = text.trim();
  if (t === '') return {};
  return JSON.parse(t.startsWith('{') ? t : `{${t}}`) as Record<string, string>;
}

function missingOf(tags: Record<string, string>): string[] {
  return REQUIRED.filter((k) => !Object.entries(tags).some(([key, v]) => key.toLowerCase() === k && v.trim() !== '')).sort();
}

const REPORT = `query($from: DateTime!, $to: DateTime!, $granularity: ComplianceGranularity, $first: Int, $after: String) {
  tagCompliance(from: $from, to: $to, granularity: $granularity) {
    requiredKeys
    totals { total { amount currency } untagged { amount currency } untaggedShare rows untaggedRows }
    groups(first: $first, after: $after) {
      edges { node { period resourceGroup service missingKeys amount { amount currency } rows } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
const WINDOW = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };

describe('tag compliance: spend on resources missing required tags', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let b: Awaited<ReturnType<typeof createOrgWithKeys>>;

  before(async () => {
    t = await startTestApp();
    a = await createOrgWithKeys(t.db, 'tags-a');
    b = await createOrgWithKeys(t.db, 'tags-b');
    const res = await fetch(`${t.url}/import/costs?fileName=ea.csv`, { method: 'POST', headers: { authorization: `Bearer ${a.analyst}` }, body: readFileSync(EA_ACTUAL) });
    assert.equal(res.status, 200, await res.text());
    const set = await t.gql(`mutation($keys: [String!]!) { setRequiredTagKeys(input: { keys: $keys }) }`, { keys: [' org ', 'costcenter'] }, a.admin);
    assert.deepEqual(set.data?.setRequiredTagKeys, REQUIRED, JSON.stringify(set.errors));
  });
  after(() => t.close());

  test('untagged totals per currency equal an independent reading of the file', async () => {
    const res = await t.gql(REPORT, WINDOW, a.viewer);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const report = res.data!.tagCompliance;
    assert.deepEqual(report.requiredKeys, REQUIRED);
    const expected = new Map<string, { total: bigint; untagged: bigint; rows: number; untaggedRows: number }>();
    for (const r of ea.records) {
      const e = expected.get(r.BillingCurrency) ?? { total: 0n, untagged: 0n, rows: 0, untaggedRows: 0 };
      e.total += scaled(r.Cost);
      e.rows++;
      if (missingOf(rawTags(r.Tags)).length > 0) {
        e.untagged += scaled(r.Cost);
        e.untaggedRows++;
      }
      expected.set(r.BillingCurrency, e);
    }
    assert.ok([...expected.values()].some((e) => e.untaggedRows > 0 && e.untaggedRows < e.rows), 'the fixture has tagged and untagged lines');
    assert.equal(report.totals.length, expected.size);
    for (const total of report.totals) {
      const e = expected.get(total.total.currency)!;
      assert.equal(scaled(total.total.amount), e.total);
      assert.equal(scaled(total.untagged.amount), e.untagged);
      assert.equal(total.rows, e.rows);
      assert.equal(total.untaggedRows, e.untaggedRows);
      assert.ok(Math.abs(total.untaggedShare - Number(e.untagged) / Number(e.total)) < 1e-9);
    }
  });

  test('groups by month, resource group and missing keys match the file, page by page', async () => {
    const nodes: { period: string; resourceGroup: string | null; missingKeys: string[]; amount: { amount: string; currency: string }; rows: number }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: GqlResult = await t.gql(REPORT, { ...WINDOW, granularity: 'MONTH', first: 2, after: cursor }, a.viewer);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const g = res.data!.tagCompliance.groups;
      nodes.push(...g.edges.map((e: { node: (typeof nodes)[number] }) => e.node));
      cursor = g.pageInfo.hasNextPage ? g.pageInfo.endCursor : null;
      pages++;
    } while (cursor);
    const key = (month: string, rg: string | null, missing: string[], currency: string) => `${month}|${rg ?? ''}|${missing.join(',')}|${currency}`;
    const expected = new Map<string, bigint>();
    for (const r of ea.records) {
      const missing = missingOf(rawTags(r.Tags));
      if (missing.length === 0) continue;
      const k = key(usDateToIso(r.Date).slice(0, 7), r.ResourceGroup ? r.ResourceGroup.toLowerCase() : null, missing, r.BillingCurrency);
      expected.set(k, (expected.get(k) ?? 0n) + scaled(r.Cost));
    }
    const actual = new Map<string, bigint>();
    for (const n of nodes) {
      const k = key(n.period, n.resourceGroup, n.missingKeys, n.amount.currency);
      actual.set(k, (actual.get(k) ?? 0n) + scaled(n.amount.amount)); // services split a key further
    }
    assert.deepEqual([...actual.entries()].sort(), [...expected.entries()].sort());
    assert.ok(pages > 1, 'paged');
  });

  test('another organization sees none of it, and its own policy is its own', async () => {
    const res = await t.gql(REPORT, WINDOW, b.viewer);
    assert.deepEqual(res.data!.tagCompliance.requiredKeys, []);
    assert.deepEqual(res.data!.tagCompliance.totals, []);
    assert.deepEqual(res.data!.tagCompliance.groups.edges, []);
    const keys = await t.gql(`{ requiredTagKeys }`, {}, b.viewer);
    assert.deepEqual(keys.data!.requiredTagKeys, []);
  });

  test('with no required keys nothing is untagged; clearing the policy is allowed', async () => {
    const org = await createOrgWithKeys(t.db, 'tags-none');
    await fetch(`${t.url}/import/costs?fileName=ea.csv`, { method: 'POST', headers: { authorization: `Bearer ${org.analyst}` }, body: readFileSync(EA_ACTUAL) });
    await t.gql(`mutation { setRequiredTagKeys(input: { keys: ["org"] }) }`, {}, org.admin);
    const cleared = await t.gql(`mutation { setRequiredTagKeys(input: { keys: [] }) }`, {}, org.admin);
    assert.deepEqual(cleared.data!.setRequiredTagKeys, []);
    const res = await t.gql(REPORT, WINDOW, org.viewer);
    for (const total of res.data!.tagCompliance.totals) {
      assert.equal(scaled(total.untagged.amount), 0n);
      assert.equal(total.untaggedRows, 0);
    }
    assert.deepEqual(res.data!.tagCompliance.groups.edges, []);
  });

  test('bad input is refused by name, and only an ADMIN sets the policy', async () => {
    const dup = await t.gql(`mutation { setRequiredTagKeys(input: { keys: ["project", "Project"] }) }`, {}, a.admin);
    assert.equal(dup.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.match(dup.errors![0].message, /keys\.1/);
    const empty = await t.gql(`mutation { setRequiredTagKeys(input: { keys: ["  "] }) }`, {}, a.admin);
    assert.equal(empty.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const viewer = await t.gql(`mutation { setRequiredTagKeys(input: { keys: ["x"] }) }`, {}, a.analyst);
    assert.equal(viewer.errors?.[0].extensions?.code, 'FORBIDDEN');
    const backwards = await t.gql(REPORT, { from: WINDOW.to, to: WINDOW.from }, a.viewer);
    assert.equal(backwards.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    // refused by the query itself, whatever is selected under it: not an empty-looking report
    const bare = await t.gql(`query($from: DateTime!, $to: DateTime!) { tagCompliance(from: $from, to: $to) { requiredKeys from to } }`, { from: WINDOW.to, to: WINDOW.from }, a.viewer);
    assert.equal(bare.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(bare));
    assert.equal(bare.errors?.[0].extensions?.field, 'to');
    const keys = await t.gql(`{ requiredTagKeys }`, {}, a.viewer);
    assert.deepEqual(keys.data!.requiredTagKeys, REQUIRED, 'refused changes left the policy as it was');
  });
});
