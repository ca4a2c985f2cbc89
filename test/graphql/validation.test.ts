import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';

describe('bad input gets a clear error and writes nothing', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const countRuns = async () => (await t.db.sql`select count(*)::int as n from runs`)[0].n as number;

  before(async () => {
    t = await startTestApp();
    keys = await createOrgWithKeys(t.db, 'val-org');
    await t.gql(`mutation { createProject(input: {code: "P", name: "p"}) { id } }`, {}, keys.admin);
  });
  after(() => t.close());

  test('missing project code: a GraphQL validation error naming projectCode', async () => {
    const res = await t.gql(`mutation { registerRun(input: {pipeline: "nf-core/rnaseq"}) { id } }`, {}, keys.admin);
    assert.equal(res.errors?.[0].extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.match(res.errors![0].message, /projectCode/);
    assert.equal(await countRuns(), 0);
  });

  test('empty project code and negative sample count: BAD_USER_INPUT naming each field', async () => {
    const res = await t.gql(`mutation { registerRun(input: {projectCode: "", pipeline: "p", sampleCount: -1}) { id } }`, {}, keys.admin);
    assert.equal(res.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    const fields = (res.errors![0].extensions!.fields as { field: string }[]).map((f) => f.field).sort();
    assert.deepEqual(fields, ['projectCode', 'sampleCount']);
    assert.equal(await countRuns(), 0);
  });

  test('unknown project code: NOT_FOUND naming it', async () => {
    const res = await t.gql(`mutation { registerRun(input: {projectCode: "NOPE", pipeline: "p"}) { id } }`, {}, keys.admin);
    assert.equal(res.errors?.[0].extensions?.code, 'NOT_FOUND');
    assert.match(res.errors![0].message, /NOPE/);
    assert.equal(await countRuns(), 0);
  });

  test('labels must be string pairs', async () => {
    const res = await t.gql(`mutation { registerRun(input: {projectCode: "P", pipeline: "p", labels: {n: 3}}) { id } }`, {}, keys.admin);
    assert.equal(res.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.match(res.errors![0].message, /labels\.n/);
    assert.equal(await countRuns(), 0);
  });

  test('a page of 10,000 is refused naming first', async () => {
    const res = await t.gql(`{ runs(first: 10000) { edges { node { id } } } }`, {}, keys.viewer);
    assert.equal(res.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.match(res.errors![0].message, /first/);
  });

  test('a cursor the API did not issue is refused', async () => {
    const res = await t.gql(`{ runs(first: 5, after: "garbage") { edges { node { id } } } }`, {}, keys.viewer);
    assert.equal(res.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
  });

  test('duplicate project code: CONFLICT', async () => {
    const res = await t.gql(`mutation { createProject(input: {code: "P", name: "again"}) { id } }`, {}, keys.admin);
    assert.equal(res.errors?.[0].extensions?.code, 'CONFLICT');
  });

});

describe('query limits', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  before(async () => {
    t = await startTestApp({ env: { GCT_MAX_QUERY_DEPTH: '3', GCT_MAX_QUERY_COMPLEXITY: '100' } });
    keys = await createOrgWithKeys(t.db, 'limit-org');
  });
  after(() => t.close());

  test('a query deeper than GCT_MAX_QUERY_DEPTH is refused before execution', async () => {
    const res = await t.gql(`{ runs(first: 1) { edges { node { project { code } } } } }`, {}, keys.viewer);
    assert.match(res.errors?.[0].message ?? '', /exceeds maximum operation depth of 3/);
    const ok = await t.gql(`{ runs(first: 1) { edges { node { id } } } }`, {}, keys.viewer);
    assert.equal(ok.errors, undefined);
  });

  test('a page whose priced size passes GCT_MAX_QUERY_COMPLEXITY is refused with QUERY_TOO_COMPLEX', async () => {
    const res = await t.gql(`{ runs(first: 60) { edges { cursor node { id status } } } }`, {}, keys.viewer);
    assert.equal(res.errors?.[0].extensions?.code, 'QUERY_TOO_COMPLEX');
    const small = await t.gql(`{ runs(first: 10) { edges { cursor node { id status } } } }`, {}, keys.viewer);
    assert.equal(small.errors, undefined);
  });
});

describe('pagination', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  before(async () => {
    t = await startTestApp();
    keys = await createOrgWithKeys(t.db, 'page-org');
    await t.gql(`mutation { createProject(input: {code: "P", name: "p"}) { id } }`, {}, keys.admin);
    for (let i = 0; i < 7; i++) {
      await t.gql(`mutation { registerRun(input: {projectCode: "P", pipeline: "pipe-${i % 2}", runName: "r${i}"}) { id } }`, {}, keys.analyst);
    }
  });
  after(() => t.close());

  test('walking pages of 3 visits every run once, newest first', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: any = await t.gql(`query($after: String) { runs(first: 3, after: $after) { edges { node { runName } } pageInfo { hasNextPage endCursor } } }`, { after }, keys.viewer);
      seen.push(...res.data.runs.edges.map((e: any) => e.node.runName));
      if (!res.data.runs.pageInfo.hasNextPage) break;
      after = res.data.runs.pageInfo.endCursor;
    }
    assert.deepEqual(seen, ['r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
  });

  test('filters by pipeline and labels', async () => {
    const res = await t.gql(`{ runs(first: 50, filter: {pipeline: "pipe-1"}) { edges { node { runName } } } }`, {}, keys.viewer);
    assert.deepEqual(res.data!.runs.edges.map((e: any) => e.node.runName), ['r5', 'r3', 'r1']);
  });

  test('a page of runs with project and pipeline costs the same number of queries for 2 runs as for 7 (DataLoader)', async () => {
    const countFor = async (first: number) => {
      t.queries.length = 0;
      const res = await t.gql(`{ runs(first: ${first}) { edges { node { project { code } pipeline { name } } } } }`, {}, keys.viewer);
      assert.equal(res.data!.runs.edges.length, first);
      assert.ok(res.data!.runs.edges.every((e: any) => e.node.project.code === 'P'));
      // the driver's one-off type lookups on a new connection are not ours to count
      return t.queries.filter((q) => !q.includes('pg_catalog')).length;
    };
    const two = await countFor(2);
    const twoQueries = [...t.queries];
    const seven = await countFor(7);
    assert.equal(seven, two, JSON.stringify({ twoQueries, sevenQueries: t.queries }));
    assert.ok(seven <= 4, `auth + runs + projects + pipelines, got ${seven}`);
  });
});

describe('variables that do not fit their type', () => {
  test('answer BAD_USER_INPUT naming the field, and their values never reach the logs', async () => {
    const t = await startTestApp();
    try {
      const keys = await createOrgWithKeys(t.db, 'vars-org');
      const res = await t.gql(`mutation($input: RegisterRunInput!) { registerRun(input: $input) { id } }`, { input: { pipeline: 'p', secretish: 'hunter2-do-not-log' } }, keys.admin);
      assert.equal(res.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
      assert.match(res.errors![0].message, /projectCode|secretish/);
      assert.ok(!t.logs.join('').includes('hunter2-do-not-log'));
    } finally {
      await t.close();
    }
  });
});

describe('bad dates, tampered cursors and NUL characters: BAD_USER_INPUT naming the argument, nothing written', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let runId: string;
  const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
  const ZERO = '00000000-0000-4000-8000-000000000000';
  const refused = async (query: string, field: RegExp, variables: Record<string, unknown> = {}, key = keys.admin) => {
    const res = await t.gql(query, variables, key);
    assert.equal(res.errors?.[0].extensions?.code, 'BAD_USER_INPUT', `${query}: ${JSON.stringify(res.errors)}`);
    assert.match(res.errors![0].message, field, query);
    return res.errors![0];
  };

  before(async () => {
    t = await startTestApp();
    keys = await createOrgWithKeys(t.db, 'bad-input-org');
    await t.gql(`mutation { createProject(input: {code: "P", name: "p"}) { id } }`, {}, keys.admin);
    runId = (await t.gql(`mutation { registerRun(input: {projectCode: "P", pipeline: "p"}) { id } }`, {}, keys.analyst)).data!.registerRun.id;
  });
  after(() => t.close());

  test('a calendar date that does not exist (31 February) is refused naming from/to', async () => {
    await refused(`{ anomalies(from: "2026-02-31", first: 2) { edges { node { id } } } }`, /^from: .*2026-02-31/);
    await refused(`{ anomalies(to: "2026-13-01", first: 2) { edges { node { id } } } }`, /^to: /);
  });

  test('cursors whose keys are not what the API issues are refused naming after', async () => {
    await refused(`{ runs(first: 2, after: "${cursor(['1', ZERO])}") { edges { node { id } } } }`, /^after: /);
    await refused(`{ runs(first: 2, after: "${cursor(['2026-02-31T00:00:00.000000Z', ZERO])}") { edges { node { id } } } }`, /^after: /);
    await refused(`{ run(id: "${runId}") { tasks(first: 2, after: "${cursor([1.5, 1])}") { edges { node { id } } } } }`, /^after: /);
    await refused(`{ run(id: "${runId}") { tasks(first: 2, after: "${cursor([1, 1e300])}") { edges { node { id } } } } }`, /^after: /);
    await refused(`{ costReports(first: 2, after: "${cursor(['x', ZERO])}") { edges { node { id } } } }`, /^after: /);
    await refused(`{ anomalies(first: 2, after: "${cursor(['2026-02-31', ZERO])}") { edges { node { id } } } }`, /^after: /);
    // a cursor the API did issue still pages
    const page = await t.gql(`{ runs(first: 1) { pageInfo { endCursor } } }`, {}, keys.viewer);
    const next = await t.gql(`query($after: String) { runs(first: 1, after: $after) { edges { node { id } } } }`, { after: page.data!.runs.pageInfo.endCursor }, keys.viewer);
    assert.equal(next.errors, undefined);
  });

  test('a cost window outside the years the API serves is refused naming the bound', async () => {
    const err = await refused(
      `{ costBreakdown(filter: {from: "0001-01-01T00:00:00Z", to: "9999-11-01T00:00:00Z"}, groupBy: [{dimension: PROJECT}]) { edges { node { runs } } } }`,
      /^filter\.(from|to): .*(2000|2100)/,
    );
    assert.match(err.message, /year/);
  });

  test('a NUL character in any string input is refused naming the field, and nothing is stored', async () => {
    const count = async () => (await t.db.sql`select (select count(*) from projects) + (select count(*) from runs) + (select count(*) from pools) + (select count(*) from budgets) as n`)[0].n;
    const before = await count();
    await refused(`mutation { createProject(input: {code: "nul-1", name: "a\\u0000b"}) { id } }`, /input\.name.*NUL/);
    await refused(`mutation { registerRun(input: {projectCode: "P", pipeline: "p\\u0000x"}) { id } }`, /input\.pipeline.*NUL/, {}, keys.analyst);
    await refused(`mutation { declarePool(input: {name: "p\\u0000", region: "westeurope", vmSize: "Standard_D4_v3"}) { id } }`, /input\.name.*NUL/);
    await refused(
      `mutation { createBudget(input: {name: "nul", scope: {kind: TAG, tagKey: "k", tagValue: "v\\u0000"}, period: MONTH, amount: "10", thresholds: []}) { id } }`,
      /input\.scope\.tagValue.*NUL/,
    );
    // through variables too, and in a read's filter
    await refused(`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, /input\.name.*NUL/, { input: { code: 'nul-2', name: 'x\u0000' } });
    await refused(`{ run(id: "${runId}") { tasks(first: 2, filter: {process: "a\\u0000"}) { edges { node { id } } } } }`, /filter\.process.*NUL/, {}, keys.viewer);
    assert.equal((await count()), before);
  });
});
