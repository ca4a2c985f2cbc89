import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { pools } from '../../src/db/schema/index.js';
import { reconcile } from '../../src/services/reconcile.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';
import { fixturePath } from '../support/fixtures.js';
import { readRawCsv, scaled } from '../ingest/costs/support/raw-csv.js';
import { rowHash } from '../support/row-hash.js';

const EA_ACTUAL = fixturePath('finops-toolkit', 'EA_ActualCost_Small.csv');
const ea = readRawCsv(EA_ACTUAL);
const WINDOW = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };
/** One line's resource is a declared Batch pool: reconciliation explains it, rules never see it. */
const poolLine = ea.records.find((r) => r.ResourceGroup === 'CapRes_Test')!;
const unexplained = ea.records.filter((r) => r !== poolLine);
const sum = (rows: typeof ea.records) => rows.reduce((s, r) => s + scaled(r.Cost), 0n);

const CENTRES = `query($from: DateTime!, $to: DateTime!) { costCentres(from: $from, to: $to) { costCentre amount { amount currency } rows } }`;
const DRY_RUN = `query($input: AllocationRuleInput!, $from: DateTime!, $to: DateTime!) { dryRunAllocationRule(input: $input, from: $from, to: $to) { from to amount { amount currency } rows } }`;
const CREATE = `mutation($input: AllocationRuleInput!) { createAllocationRule(input: $input) { id priority costCentre match { resourceGroup service } } }`;

type Centre = { costCentre: string; amount: { amount: string; currency: string }; rows: number };
type Move = { from: string; to: string; amount: { amount: string; currency: string }; rows: number };

describe('allocation rules for spend no task explains', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let b: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const centres = async (key: string) => {
    const res = await t.gql(CENTRES, WINDOW, key);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return new Map((res.data!.costCentres as Centre[]).map((c) => [c.costCentre, c]));
  };
  const dryRun = async (input: unknown) => {
    const res = await t.gql(DRY_RUN, { input, ...WINDOW }, a.analyst);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.dryRunAllocationRule as Move[];
  };

  const web = { name: 'dev-test labs', priority: 10, costCentre: 'Web', match: { resourceGroup: 'EXAMPLE-DTL-*' } };
  const webLines = unexplained.filter((r) => r.ResourceGroup.toLowerCase().startsWith('example-dtl-'));

  before(async () => {
    t = await startTestApp();
    a = await createOrgWithKeys(t.db, 'alloc-a');
    b = await createOrgWithKeys(t.db, 'alloc-b');
    const res = await fetch(`${t.url}/import/costs?fileName=ea.csv`, { method: 'POST', headers: { authorization: `Bearer ${a.analyst}` }, body: readFileSync(EA_ACTUAL) });
    assert.equal(res.status, 200, await res.text());
    await t.db.db.insert(pools).values({ orgId: a.org.id, name: 'caprest', region: 'westeurope', vmSize: 'Standard_D2s_v3', resourceId: poolLine.ResourceId.toUpperCase() });
  });
  after(() => t.close());

  test('with no rules every unexplained line is Unallocated; the pool line is left to reconciliation', async () => {
    const c = await centres(a.viewer);
    assert.deepEqual([...c.keys()], ['Unallocated']);
    assert.equal(scaled(c.get('Unallocated')!.amount.amount), sum(unexplained));
    assert.equal(c.get('Unallocated')!.rows, unexplained.length);
  });

  test("a rule's dry run and its saved effect agree, and equal an independent sum of the file", async () => {
    assert.ok(webLines.length >= 2);
    const moves = await dryRun(web);
    assert.deepEqual(moves.map((m) => [m.from, m.to, scaled(m.amount.amount), m.rows]), [['Unallocated', 'Web', sum(webLines), webLines.length]]);
    const created = await t.gql(CREATE, { input: web }, a.admin);
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const c = await centres(a.viewer);
    assert.equal(scaled(c.get('Web')!.amount.amount), scaled(moves[0].amount.amount));
    assert.equal(scaled(c.get('Unallocated')!.amount.amount), sum(unexplained) - sum(webLines));
  });

  test('first match wins: a later rule over the same lines moves nothing; a rule over other lines moves only those', async () => {
    assert.deepEqual(await dryRun({ name: 'web again', priority: 20, costCentre: 'Other', match: { resourceGroup: 'example-dtl-dtlweb-*' } }), []);
    const storage = unexplained.filter((r) => r.MeterCategory === 'Storage');
    const moves = await dryRun({ name: 'storage', priority: 5, costCentre: 'Shared storage', match: { service: 'storage' } });
    assert.deepEqual(moves.map((m) => [m.from, m.to, scaled(m.amount.amount), m.rows]), [['Unallocated', 'Shared storage', sum(storage), storage.length]]);
  });

  test('bad rules are refused by name; a taken priority is a CONFLICT; only an ADMIN saves', async () => {
    const noMatch = await t.gql(CREATE, { input: { ...web, priority: 11, match: {} } }, a.admin);
    assert.equal(noMatch.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.match(noMatch.errors![0].message, /match/);
    const unallocated = await t.gql(CREATE, { input: { ...web, priority: 11, costCentre: 'unallocated' } }, a.admin);
    assert.equal(unallocated.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const zero = await t.gql(CREATE, { input: { ...web, priority: 0 } }, a.admin);
    assert.equal(zero.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const taken = await t.gql(CREATE, { input: web }, a.admin);
    assert.equal(taken.errors?.[0].extensions?.code, 'CONFLICT');
    const analyst = await t.gql(CREATE, { input: { ...web, priority: 12 } }, a.analyst);
    assert.equal(analyst.errors?.[0].extensions?.code, 'FORBIDDEN');
    const rules = await t.gql(`{ allocationRules { priority } }`, {}, a.viewer);
    assert.deepEqual(rules.data!.allocationRules, [{ priority: 10 }]);
  });

  test("another organization neither sees nor removes a's rules, and its own costs are its own", async () => {
    const rules = await t.gql(`{ allocationRules { id } }`, {}, a.viewer);
    const [{ id }] = rules.data!.allocationRules;
    assert.deepEqual(await centres(b.viewer), new Map());
    assert.deepEqual((await t.gql(`{ allocationRules { id } }`, {}, b.viewer)).data!.allocationRules, []);
    const del = await t.gql(`mutation($id: ID!) { deleteAllocationRule(id: $id) }`, { id }, b.admin);
    assert.equal(del.errors?.[0].extensions?.code, 'NOT_FOUND');
    assert.ok((await centres(a.viewer)).has('Web'));
  });

  test('a line below a pool’s resource (one VM of it) is a pool line; spend counts at its effective cost, as reconciliation and the explorer count it', async () => {
    const c = await createOrgWithKeys(t.db, 'alloc-c');
    const pool = '/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/Genomics/providers/Microsoft.Batch/batchAccounts/lab/pools/nf-d4';
    await t.db.db.insert(pools).values({ orgId: c.org.id, name: 'nf-d4', region: 'westeurope', vmSize: 'Standard_D4_v3', resourceId: pool });
    const hour = { start: '2025-06-02T10:00:00Z', end: '2025-06-02T11:00:00Z' };
    await t.db.sql`select cost_records_ensure_partitions(${hour.start}, ${hour.end})`;
    const line = (label: string, resource: string, service: string, billed: string, effective: string | null) => t.db.sql`
      insert into cost_records (org_id, provider, resource_id, service_name, charge_period_start, charge_period_end, billed_cost, effective_cost, currency, source, row_hash)
      values (${c.org.id}, 'azure', ${resource}, ${service}, ${hour.start}, ${hour.end}, ${billed}, ${effective}, 'USD', 'file', ${rowHash(`alloc-c:${label}`)})`;
    // one VM of the pool's scale set (billed 0.24, 0.20 after a discount), a storage account (1.00, 0.80) and a network line (no effective cost)
    await line('vm0', `${pool.toLowerCase()}/virtualmachines/0`, 'Azure Batch', '0.24', '0.20');
    await line('storage', '/subscriptions/x/resourceGroups/genomics/providers/Microsoft.Storage/storageAccounts/labdata', 'Storage', '1.00', '0.80');
    await line('net', '/subscriptions/x/resourceGroups/net/providers/Microsoft.Network/x', 'Bandwidth', '0.50', null);
    const window = { from: '2025-06-02T00:00:00Z', to: '2025-06-03T00:00:00Z' };
    const unexplained = scaled('0.80') + scaled('0.50');

    const centres = async () => {
      const res = await t.gql(CENTRES, window, c.viewer);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return (res.data!.costCentres as Centre[]).map((x) => [x.costCentre, scaled(x.amount.amount), x.rows]);
    };
    const explorerUnallocated = async () => {
      const res = await t.gql(`query($filter: BreakdownFilterInput!) { costBreakdown(filter: $filter, groupBy: [{ dimension: COST_CENTRE }]) { edges { node { keys { value } actual { amount } } } } }`,
        { filter: window }, c.viewer);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const nodes = res.data!.costBreakdown.edges.map((e: { node: { keys: { value: string | null }[]; actual: { amount: string } } }) => e.node);
      return nodes.filter((n: { keys: { value: string | null }[] }) => n.keys[0].value === 'Unallocated').map((n: { actual: { amount: string } }) => scaled(n.actual.amount));
    };
    assert.deepEqual(await centres(), [['Unallocated', unexplained, 2]]);
    // the explorer before the bill is reconciled (the whole lines) and after (their allocations) agrees
    assert.deepEqual(await explorerUnallocated(), [unexplained]);
    await reconcile(t.db.db, c.org.id, { from: new Date(window.from), to: new Date(window.to) }, { idleMode: 'SHARE', driftThreshold: 0.2 });
    const [{ amount }] = await t.db.sql<{ amount: string }[]>`select sum(amount)::text as amount from allocations where org_id = ${c.org.id} and kind = 'UNALLOCATED'`;
    assert.equal(scaled(amount), unexplained);
    assert.deepEqual(await explorerUnallocated(), [unexplained]);
    assert.deepEqual(await centres(), [['Unallocated', unexplained, 2]]);
    const res = await t.gql(DRY_RUN, { input: { name: 'storage', priority: 1, costCentre: 'Storage', match: { service: 'storage' } }, ...window }, c.analyst);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.deepEqual((res.data!.dryRunAllocationRule as Move[]).map((m) => [m.from, m.to, scaled(m.amount.amount), m.rows]), [['Unallocated', 'Storage', scaled('0.80'), 1]]);
  });

  test('removing a rule returns its costs to Unallocated', async () => {
    const rules = await t.gql(`{ allocationRules { id } }`, {}, a.viewer);
    const del = await t.gql(`mutation($id: ID!) { deleteAllocationRule(id: $id) }`, { id: rules.data!.allocationRules[0].id }, a.admin);
    assert.equal(del.data?.deleteAllocationRule, true, JSON.stringify(del.errors));
    const c = await centres(a.viewer);
    assert.deepEqual([...c.keys()], ['Unallocated']);
    assert.equal(scaled(c.get('Unallocated')!.amount.amount), sum(unexplained));
  });
});
