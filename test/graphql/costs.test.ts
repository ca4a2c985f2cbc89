import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { createOrgWithKeys, startTestApp, type GqlResult, type TestApp } from '../support/app.js';
import { fixturePath } from '../support/fixtures.js';
import { readRawCsv, scaled, sumBy, usDateToIso } from '../ingest/costs/support/raw-csv.js';
import { csvOf, restatedFocus } from '../ingest/costs/support/restated.js';

const FOCUS = fixturePath('focus-sample', 'focus_sample.csv');
const EA_ACTUAL = fixturePath('finops-toolkit', 'EA_ActualCost_Small.csv');
const focusRaw = readRawCsv(FOCUS);
const eaRaw = readRawCsv(EA_ACTUAL);

type Keys = Record<string, string | null | { key: string; value: string | null }[]>;
interface Group {
  keys: Keys;
  amount: { amount: string; currency: string };
  rows: number;
}

const COSTS = `query($filter: CostFilterInput, $groupBy: [CostGroupByInput!]!, $first: Int!, $after: String) {
  costs(filter: $filter, groupBy: $groupBy, first: $first, after: $after) {
    edges { cursor node { keys { day month provider subAccount resourceGroup resource service region tags { key value } } amount { amount currency } rows } }
    pageInfo { hasNextPage endCursor }
    totals { amount { amount currency } rows }
  }
}`;

/** `key|currency` -> scaled sum, from groups the API returned. */
function apiSums(groups: Group[], key: (k: Keys) => string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const g of groups) {
    const k = `${key(g.keys)}|${g.amount.currency}`;
    assert.ok(!out.has(k), `group ${k} appears twice`);
    out.set(k, scaled(g.amount.amount));
  }
  return out;
}

const sorted = <V>(m: Map<string, V>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('costs and cost imports over GraphQL, files over HTTP', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let b: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let ea: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let focusImportId: string;

  const upload = (key: string | undefined, body: Buffer | ReadableStream, query = 'format=auto&fileName=upload.csv') =>
    fetch(`${t.url}/import/costs?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body,
      duplex: 'half',
    } as RequestInit);

  /** Every group, following cursors page by page. */
  async function allGroups(key: string, groupBy: unknown[], filter?: unknown, first = 500): Promise<{ groups: Group[]; totals: { amount: { amount: string; currency: string }; rows: number }[]; pages: number }> {
    const groups: Group[] = [];
    let after: string | null = null;
    let pages = 0;
    let totals;
    for (;;) {
      const res: GqlResult = await t.gql(COSTS, { groupBy, filter, first, after }, key);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const c = res.data!.costs;
      pages++;
      totals = c.totals;
      groups.push(...c.edges.map((e: { node: Group }) => e.node));
      if (!c.pageInfo.hasNextPage) break;
      after = c.pageInfo.endCursor;
    }
    return { groups, totals, pages };
  }

  before(async () => {
    t = await startTestApp();
    a = await createOrgWithKeys(t.db, 'cost-a');
    b = await createOrgWithKeys(t.db, 'cost-b');
    ea = await createOrgWithKeys(t.db, 'cost-ea');
    // streamed request body (chunked, no content-length)
    const res = await upload(a.analyst, Readable.toWeb(createReadStream(FOCUS)) as ReadableStream, 'format=focus&fileName=focus_sample.csv');
    assert.equal(res.status, 200, await res.clone().text());
    focusImportId = ((await res.json()) as { importId: string }).importId;
    const gz = await upload(ea.analyst, gzipSync(readFileSync(EA_ACTUAL)), 'fileName=EA_ActualCost_Small.csv.gz');
    assert.equal(gz.status, 200, await gz.clone().text());
  });
  after(() => t.close());

  test('HTTP upload by an ANALYST answers the report as JSON', async () => {
    const org = await createOrgWithKeys(t.db, 'cost-http');
    const res = await upload(org.analyst, readFileSync(EA_ACTUAL), 'fileName=EA_ActualCost_Small.csv');
    assert.equal(res.status, 200);
    const report = (await res.json()) as Record<string, unknown>;
    assert.equal(report.status, 'SUCCEEDED');
    assert.equal(report.fileName, 'EA_ActualCost_Small.csv');
    assert.equal(report.format, 'azure');
    assert.equal(report.variant, 'ea');
    assert.equal(report.rowsRead, eaRaw.records.length);
    assert.equal(report.rowsLoaded, eaRaw.records.length);
    assert.equal(report.rowsQuarantined, 0);
    const totals = report.totals as { currency: string; amount: string; rows: number }[];
    assert.deepEqual(
      totals.map((x) => [x.currency, scaled(x.amount), x.rows]),
      sorted(sumBy(eaRaw.records, (r) => r.BillingCurrency, (r) => r.Cost)).map(([c, v]) => [c, v, eaRaw.records.length]),
    );
  });

  test('a gzip upload imports like the plain file', async () => {
    const res = await t.gql(`{ costImports(first: 5) { edges { node { fileName status report { rowsLoaded totals { amount { amount currency } } } } } } }`, {}, ea.viewer);
    const [node] = res.data!.costImports.edges.map((e: { node: unknown }) => e.node);
    assert.equal(node.fileName, 'EA_ActualCost_Small.csv.gz');
    assert.equal(node.status, 'SUCCEEDED');
    assert.equal(node.report.rowsLoaded, eaRaw.records.length);
    assert.deepEqual(
      node.report.totals.map((x: { amount: { amount: string; currency: string } }) => [x.amount.currency, scaled(x.amount.amount)]),
      sorted(sumBy(eaRaw.records, (r) => r.BillingCurrency, (r) => r.Cost)),
    );
  });

  test('a VIEWER cannot upload (403), nor can an anonymous caller (401); nothing is recorded', async () => {
    const viewer = await upload(a.viewer, readFileSync(EA_ACTUAL));
    assert.equal(viewer.status, 403);
    assert.equal(((await viewer.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
    const anonymous = await upload(undefined, readFileSync(EA_ACTUAL));
    assert.equal(anonymous.status, 401);
    const [{ n }] = await t.db.sql`select count(*)::int as n from imports where org_id = ${a.org.id}`;
    assert.equal(n, 1, 'only the setup import');
  });

  test('a file that is not a cost export is refused with 400 BAD_USER_INPUT; the FAILED import is listed; costs stay', async () => {
    const org = await createOrgWithKeys(t.db, 'cost-refuse');
    await upload(org.analyst, readFileSync(EA_ACTUAL), 'fileName=good.csv');
    const before = await t.gql(COSTS, { groupBy: [], first: 10 }, org.viewer);
    const res = await upload(org.analyst, Buffer.from('name,age\nada,36\n'.repeat(1) + 'x,1\n'.repeat(50_000)), 'fileName=people.csv');
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'BAD_USER_INPUT');
    assert.match(body.error.message, /people\.csv/);
    const afterRes = await t.gql(COSTS, { groupBy: [], first: 10 }, org.viewer);
    assert.deepEqual(afterRes.data!.costs.totals, before.data!.costs.totals);
    const list = await t.gql(`{ costImports(first: 10) { edges { node { fileName status error report { rowsLoaded } } } } }`, {}, org.viewer);
    const [newest, older] = list.data!.costImports.edges.map((e: { node: unknown }) => e.node);
    assert.equal(newest.fileName, 'people.csv');
    assert.equal(newest.status, 'FAILED');
    assert.match(newest.error, /people\.csv/);
    assert.equal(newest.report, null);
    assert.equal(older.fileName, 'good.csv');
    assert.equal(older.status, 'SUCCEEDED');
  });

  test('costs per day equal exact sums of the raw BilledCost column per day (paged 7 at a time)', async () => {
    const { groups, pages } = await allGroups(a.viewer, [{ dimension: 'DAY' }], undefined, 7);
    assert.ok(pages > 1, 'several pages');
    const expected = sumBy(focusRaw.records, (r) => `${r.ChargePeriodStart.slice(0, 10)}|${r.BillingCurrency}`, (r) => r.BilledCost);
    assert.deepEqual(sorted(apiSums(groups, (k) => String(k.day))), sorted(expected));
    assert.deepEqual(
      groups.map((g) => g.keys.day),
      [...new Set(focusRaw.records.map((r) => r.ChargePeriodStart.slice(0, 10)))].sort(),
      'ordered by day, no group twice',
    );
    const rowsPerDay = new Map<string, number>();
    for (const r of focusRaw.records) rowsPerDay.set(r.ChargePeriodStart.slice(0, 10), (rowsPerDay.get(r.ChargePeriodStart.slice(0, 10)) ?? 0) + 1);
    for (const g of groups) assert.equal(g.rows, rowsPerDay.get(String(g.keys.day)));
    // keys not grouped by stay null
    assert.ok(groups.every((g) => g.keys.service === null && g.keys.month === null && g.keys.tags === null));
  });

  test('costs per service equal exact sums of the raw file per service (FOCUS ServiceName; EA MeterCategory)', async () => {
    const focus = await allGroups(a.viewer, [{ dimension: 'SERVICE' }]);
    assert.deepEqual(sorted(apiSums(focus.groups, (k) => String(k.service))), sorted(sumBy(focusRaw.records, (r) => `${r.ServiceName}|${r.BillingCurrency}`, (r) => r.BilledCost)));
    const azure = await allGroups(ea.viewer, [{ dimension: 'SERVICE' }]);
    assert.deepEqual(sorted(apiSums(azure.groups, (k) => String(k.service))), sorted(sumBy(eaRaw.records, (r) => `${r.MeterCategory}|${r.BillingCurrency}`, (r) => r.Cost)));
  });

  test('grouping by day and service at once, and by month', async () => {
    const { groups } = await allGroups(ea.viewer, [{ dimension: 'DAY' }, { dimension: 'SERVICE' }]);
    assert.deepEqual(
      sorted(apiSums(groups, (k) => `${k.day}/${k.service}`)),
      sorted(sumBy(eaRaw.records, (r) => `${usDateToIso(r.Date)}/${r.MeterCategory}|${r.BillingCurrency}`, (r) => r.Cost)),
    );
    const months = await allGroups(a.viewer, [{ dimension: 'MONTH' }]);
    assert.deepEqual(sorted(apiSums(months.groups, (k) => String(k.month))), sorted(sumBy(focusRaw.records, (r) => `${r.ChargePeriodStart.slice(0, 7)}|${r.BillingCurrency}`, (r) => r.BilledCost)));
  });

  test('grouping by a tag key: rows without the tag form the null group', async () => {
    const { groups } = await allGroups(a.viewer, [{ dimension: 'TAG', tagKey: 'environment' }]);
    const tagOf = (r: Record<string, string>) => {
      const tags = r.Tags === 'NULL' || r.Tags === '' ? {} : (JSON.parse(r.Tags) as Record<string, string>);
      return tags.environment ?? '(none)';
    };
    const key = (k: Keys) => {
      const tags = k.tags as { key: string; value: string | null }[];
      assert.equal(tags.length, 1);
      assert.equal(tags[0].key, 'environment');
      return tags[0].value ?? '(none)';
    };
    assert.deepEqual(sorted(apiSums(groups, key)), sorted(sumBy(focusRaw.records, (r) => `${tagOf(r)}|${r.BillingCurrency}`, (r) => r.BilledCost)));
  });

  test('filters: a period, services, a provider and tags narrow groups and totals alike', async () => {
    const services = ['Amazon Elastic Compute Cloud', 'Amazon Simple Storage Service'];
    const inFilter = (r: Record<string, string>) => r.ChargePeriodStart >= '2024-09-10' && r.ChargePeriodStart < '2024-09-20' && services.includes(r.ServiceName);
    const filter = { from: '2024-09-10T00:00:00Z', to: '2024-09-20T00:00:00Z', service: services, provider: ['Amazon Web Services'] };
    const { groups, totals } = await allGroups(a.viewer, [{ dimension: 'SERVICE' }], filter);
    const matching = focusRaw.records.filter(inFilter);
    assert.ok(matching.length > 0);
    assert.deepEqual(sorted(apiSums(groups, (k) => String(k.service))), sorted(sumBy(matching, (r) => `${r.ServiceName}|${r.BillingCurrency}`, (r) => r.BilledCost)));
    assert.deepEqual(
      totals.map((x) => [x.amount.currency, scaled(x.amount.amount), x.rows]),
      sorted(sumBy(matching, (r) => r.BillingCurrency, (r) => r.BilledCost)).map(([c, v]) => [c, v, matching.length]),
    );
    const tagged = await allGroups(a.viewer, [], { tags: { environment: 'dev' } });
    const dev = focusRaw.records.filter((r) => r.Tags !== 'NULL' && r.Tags !== '' && JSON.parse(r.Tags).environment === 'dev');
    assert.ok(dev.length > 0);
    assert.deepEqual(tagged.totals.map((x) => [x.amount.currency, scaled(x.amount.amount), x.rows]), sorted(sumBy(dev, (r) => r.BillingCurrency, (r) => r.BilledCost)).map(([c, v]) => [c, v, dev.length]));
  });

  test('importing the same file again over HTTP loads nothing and leaves every total as it was', async () => {
    const before = await allGroups(a.viewer, [{ dimension: 'DAY' }]);
    const res = await upload(a.analyst, readFileSync(FOCUS), 'fileName=focus_sample.csv');
    const report = (await res.json()) as { rowsLoaded: number; rowsUnchanged: number };
    assert.equal(report.rowsLoaded, 0);
    assert.equal(report.rowsUnchanged, focusRaw.records.length);
    const afterwards = await allGroups(a.viewer, [{ dimension: 'DAY' }]);
    assert.deepEqual(afterwards.groups, before.groups);
    assert.deepEqual(afterwards.totals, before.totals);
    assert.deepEqual(
      afterwards.totals.map((x) => [x.amount.currency, scaled(x.amount.amount)]),
      sorted(sumBy(focusRaw.records, (r) => r.BillingCurrency, (r) => r.BilledCost)),
    );
  });

  test('amounts in different currencies are never added: one group per key and currency', async () => {
    const org = await createOrgWithKeys(t.db, 'cost-fx');
    const header = eaRaw.header;
    const row = (currency: string, cost: string, meter: string) =>
      header.map((h) => (h === 'BillingCurrency' ? currency : h === 'Cost' ? cost : h === 'MeterName' ? meter : h === 'Date' ? '09/04/2023' : eaRaw.records[3][h])).map((f) => `"${f.replaceAll('"', '""')}"`).join(',');
    const text = [header.join(','), row('USD', '1.10', 'm1'), row('EUR', '2.20', 'm2'), row('USD', '0.05', 'm3')].join('\n');
    const res = await upload(org.analyst, Buffer.from(text), 'fileName=two-currencies.csv');
    assert.equal(res.status, 200, await res.clone().text());
    const { groups, totals } = await allGroups(org.viewer, [{ dimension: 'DAY' }]);
    assert.deepEqual(
      groups.map((g) => [g.keys.day, g.amount.currency, scaled(g.amount.amount), g.rows]),
      [
        ['2023-09-04', 'EUR', scaled('2.20'), 1],
        ['2023-09-04', 'USD', scaled('1.15'), 2],
      ],
    );
    assert.deepEqual(totals.map((x) => [x.amount.currency, scaled(x.amount.amount), x.rows]), [['EUR', scaled('2.2'), 1], ['USD', scaled('1.15'), 2]]);
  });

  test('a cost import shows its report and pages through its quarantined rows by line', async () => {
    const org = await createOrgWithKeys(t.db, 'cost-rejects');
    const lines = readFileSync(FOCUS, 'utf8').trimEnd().split('\n').slice(0, 41);
    const badAt = [5, 12, 13, 30, 41]; // 1-based file lines (line 1 is the header)
    for (const n of badAt) lines[n - 1] = lines[n - 1].replace(/"USD"/, '"???"');
    const res = await upload(org.analyst, Buffer.from(lines.join('\n') + '\n'), 'fileName=some-bad.csv');
    const report = (await res.json()) as { importId: string; rowsQuarantined: number; quarantined: { line: number }[] };
    assert.equal(report.rowsQuarantined, badAt.length);
    assert.deepEqual(report.quarantined.map((q) => q.line), badAt);

    const Q = `query($id: ID!, $after: String) { costImport(id: $id) { id status format report { rowsRead rowsLoaded rowsUnchanged rowsQuarantined periodStart periodEnd totals { amount { amount currency } rows } }
                 rejects(first: 2, after: $after) { edges { node { line reason raw } } pageInfo { hasNextPage endCursor } } } }`;
    const seen: number[] = [];
    let after: string | null = null;
    for (;;) {
      const r: GqlResult = await t.gql(Q, { id: report.importId, after }, org.viewer);
      assert.equal(r.errors, undefined, JSON.stringify(r.errors));
      const imp = r.data!.costImport;
      assert.equal(imp.status, 'SUCCEEDED');
      assert.equal(imp.format, 'focus/focus-1.0');
      assert.deepEqual({ ...imp.report, totals: undefined, periodStart: undefined, periodEnd: undefined }, { rowsRead: 40, rowsLoaded: 35, rowsUnchanged: 0, rowsQuarantined: 5, totals: undefined, periodStart: undefined, periodEnd: undefined });
      for (const e of imp.rejects.edges) {
        seen.push(e.node.line);
        assert.match(e.node.reason, /\?\?\?/);
        assert.equal(e.node.raw, lines[e.node.line - 1]);
      }
      if (!imp.rejects.pageInfo.hasNextPage) break;
      after = imp.rejects.pageInfo.endCursor;
    }
    assert.deepEqual(seen, badAt);
  });

  test('a restated export uploaded with replace=true: costs per day are the later export exactly, and the import says what it replaced', async () => {
    const org = await createOrgWithKeys(t.db, 'cost-replace');
    const focus = restatedFocus();
    const first = await upload(org.analyst, csvOf(focusRaw.header, focus.earlier), 'fileName=mtd-19.csv&replace=true&delivery=run-19');
    assert.equal(first.status, 200, await first.clone().text());
    const res = await upload(org.analyst, csvOf(focusRaw.header, focus.later), 'fileName=mtd-30.csv&replace=true&delivery=run-30');
    assert.equal(res.status, 200, await res.clone().text());
    const report = (await res.json()) as { importId: string; replaced: { delivery: string; rows: number; totals: { currency: string; amount: string }[] } };
    assert.equal(report.replaced.delivery, 'run-30');
    assert.equal(report.replaced.rows, focus.earlier.length);

    const { groups } = await allGroups(org.viewer, [{ dimension: 'DAY' }]);
    const expected = sumBy(focus.later, (r) => `${r.ChargePeriodStart.slice(0, 10)}|${r.BillingCurrency}`, (r) => r.BilledCost);
    assert.deepEqual(sorted(apiSums(groups, (k) => String(k.day))), sorted(expected));

    const Q = `query($id: ID!) { costImport(id: $id) { replace delivery report { rowsLoaded replaced { rows from to totals { amount { amount currency } rows } syncedRows syncedTotals { rows } } } } }`;
    const imp = (await t.gql(Q, { id: report.importId }, org.viewer)).data!.costImport;
    assert.equal(imp.replace, true);
    assert.equal(imp.delivery, 'run-30');
    assert.equal(imp.report.rowsLoaded, focus.later.length);
    assert.deepEqual(imp.report.replaced, {
      rows: focus.earlier.length,
      syncedRows: 0,
      syncedTotals: [],
      from: '2024-09-01T00:00:00.000Z',
      to: '2024-10-01T00:00:00.000Z',
      totals: sorted(sumBy(focus.earlier, (r) => r.BillingCurrency, (r) => r.BilledCost)).map(([currency, v]) => ({
        amount: { amount: report.replaced.totals.find((x) => x.currency === currency)!.amount, currency },
        rows: focus.earlier.length,
      })),
    });
    assert.equal(scaled(imp.report.replaced.totals[0].amount.amount), sumBy(focus.earlier, () => 'all', (r) => r.BilledCost).get('all'));

    // an import that adds has no replacement to report
    const plain = await upload(org.analyst, readFileSync(EA_ACTUAL), 'fileName=ea.csv');
    const plainId = ((await plain.json()) as { importId: string }).importId;
    const added = (await t.gql(Q, { id: plainId }, org.viewer)).data!.costImport;
    assert.deepEqual({ replace: added.replace, delivery: added.delivery, replaced: added.report.replaced }, { replace: false, delivery: null, replaced: null });

    // bad replace options are 400 BAD_USER_INPUT naming them, and load nothing
    for (const [query, field] of [['replace=yes', /replace/], ['delivery=run-31', /delivery/]] as const) {
      const bad = await upload(org.analyst, csvOf(focusRaw.header, focus.later), `fileName=bad.csv&${query}`);
      assert.equal(bad.status, 400);
      const body = (await bad.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'BAD_USER_INPUT');
      assert.match(body.error.message, field);
    }
    const again = await allGroups(org.viewer, [{ dimension: 'MONTH' }]);
    assert.equal(again.groups.length, 2, 'September (the later export) and the EA file\'s month');
  });

  test('cost imports are listed newest first', async () => {
    const org = await createOrgWithKeys(t.db, 'cost-list');
    for (const name of ['one.csv', 'two.csv', 'three.csv']) await upload(org.analyst, readFileSync(EA_ACTUAL), `fileName=${name}`);
    const first = await t.gql(`{ costImports(first: 2) { edges { node { fileName } } pageInfo { hasNextPage endCursor } } }`, {}, org.viewer);
    assert.deepEqual(first.data!.costImports.edges.map((e: { node: { fileName: string } }) => e.node.fileName), ['three.csv', 'two.csv']);
    assert.equal(first.data!.costImports.pageInfo.hasNextPage, true);
    const rest = await t.gql(`query($after: String) { costImports(first: 2, after: $after) { edges { node { fileName } } pageInfo { hasNextPage } } }`, { after: first.data!.costImports.pageInfo.endCursor }, org.viewer);
    assert.deepEqual(rest.data!.costImports.edges.map((e: { node: { fileName: string } }) => e.node.fileName), ['one.csv']);
    assert.equal(rest.data!.costImports.pageInfo.hasNextPage, false);
  });

  test("another organization sees none of A's costs or imports; A's import answers it NOT_FOUND", async () => {
    const costs = await t.gql(COSTS, { groupBy: [{ dimension: 'DAY' }], first: 50 }, b.admin);
    assert.equal(costs.errors, undefined);
    assert.deepEqual(costs.data!.costs.edges, []);
    assert.deepEqual(costs.data!.costs.totals, []);
    const list = await t.gql(`{ costImports(first: 50) { edges { node { id } } } }`, {}, b.admin);
    assert.deepEqual(list.data!.costImports.edges, []);
    const foreign = await t.gql(`query($id: ID!) { costImport(id: $id) { id } }`, { id: focusImportId }, b.admin);
    assert.equal(foreign.errors?.[0].extensions?.code, 'NOT_FOUND');
    assert.equal(foreign.data, null);
    const own = await t.gql(`query($id: ID!) { costImport(id: $id) { id } }`, { id: focusImportId }, a.viewer);
    assert.equal(own.data!.costImport.id, focusImportId);
    const malformed = await t.gql(`{ costImport(id: "nope") { id } }`, {}, a.viewer);
    assert.equal(malformed.errors?.[0].extensions?.code, 'NOT_FOUND');
  });

  test('bad arguments are BAD_USER_INPUT naming the field', async () => {
    const cases: [unknown, RegExp][] = [
      [{ groupBy: [{ dimension: 'TAG' }], first: 10 }, /tagKey/],
      [{ groupBy: [{ dimension: 'DAY', tagKey: 'x' }], first: 10 }, /tagKey/],
      [{ groupBy: [{ dimension: 'DAY' }, { dimension: 'DAY' }], first: 10 }, /twice/],
      [{ groupBy: [], first: 10_000 }, /first/],
      [{ groupBy: [], first: 10, after: 'garbage' }, /after/],
      [{ groupBy: [], first: 10, filter: { service: [] } }, /service/],
      [{ groupBy: [], first: 10, filter: { tags: { env: 3 } } }, /tags/],
    ];
    for (const [variables, field] of cases) {
      const res = await t.gql(COSTS, variables as Record<string, unknown>, a.viewer);
      assert.equal(res.errors?.[0].extensions?.code, 'BAD_USER_INPUT', `${JSON.stringify(variables)}: ${JSON.stringify(res.errors)}`);
      assert.match(res.errors![0].message, field);
    }
    const anonymous = await t.gql(COSTS, { groupBy: [], first: 10 });
    assert.equal(anonymous.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
  });
});
