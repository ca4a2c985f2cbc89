import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getNamedType, isInputObjectType, isObjectType } from 'graphql';
import { buildAppSchema } from '../../src/graphql/build-schema.js';
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

  test('every BAD_USER_INPUT carries extensions.fields, whoever refused the input; a service keeps its field too', async () => {
    const fieldsOf = async (query: string, variables: Record<string, unknown> = {}) => {
      const res = await t.gql(query, variables, keys.analyst);
      const e = res.errors?.[0];
      assert.equal(e?.extensions?.code, 'BAD_USER_INPUT', `${query}: ${JSON.stringify(res.errors)}`);
      return { field: e!.extensions!.field, fields: e!.extensions!.fields as { field: string; problems: string[] }[] };
    };
    // a service's check: `field` as before, and the same in `fields`
    const service = await fieldsOf(`{ runs(first: 5, after: "garbage") { edges { node { id } } } }`);
    assert.equal(service.field, 'after');
    assert.deepEqual(service.fields.map((f) => f.field), ['after']);
    assert.match(service.fields[0].problems[0], /^is not a cursor/);
    // class-validator on an input class: already this shape
    const validated = await fieldsOf(`mutation { registerRun(input: {projectCode: "", pipeline: "p"}) { id } }`);
    assert.deepEqual(validated.fields.map((f) => f.field), ['projectCode']);
    // a variable graphql-js could not coerce: named by its variable path
    const variable = await fieldsOf(`query($first: Int!) { runs(first: $first) { edges { node { id } } } }`, { first: 'many' });
    assert.deepEqual(variable.fields.map((f) => f.field), ['$first']);
    const nested = await fieldsOf(`mutation($input: RegisterRunInput!) { registerRun(input: $input) { id } }`, { input: { projectCode: 'P', pipeline: 7 } });
    assert.deepEqual(nested.fields.map((f) => f.field), ['$input.pipeline']);
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

describe('a variable with more invalid items than graphql-js reports', () => {
  test('is BAD_USER_INPUT, not an internal error', async () => {
    const t = await startTestApp();
    try {
      const keys = await createOrgWithKeys(t.db, 'many-vars-org');
      // graphql-js stops after 50 errors with 'Too many errors processing variables', an error with no code
      // that went out as INTERNAL_SERVER_ERROR
      const status = Array.from({ length: 60 }, (_, i) => `NOT_A_STATUS_${i}`);
      const res = await t.gql(`query($f: RunFilterInput) { runs(filter: $f) { edges { node { id } } } }`, { f: { status } }, keys.viewer);
      assert.ok(res.errors && res.errors.length > 0, JSON.stringify(res));
      assert.ok(res.errors.some((e) => /Too many errors/.test(e.message)), JSON.stringify(res.errors.at(-1)));
      for (const e of res.errors) assert.equal(e.extensions?.code, 'BAD_USER_INPUT', e.message);
    } finally {
      await t.close();
    }
  });

  test('a list argument longer than any field takes is refused naming it, before it reaches SQL', async () => {
    const t = await startTestApp();
    try {
      const keys = await createOrgWithKeys(t.db, 'long-list-org');
      // runs(filter: {status}) has no @ArrayMaxSize: 100,000 statuses reached Postgres and answered INTERNAL_SERVER_ERROR
      const res = await t.gql(`query($f: RunFilterInput) { runs(filter: $f) { edges { node { id } } } }`, { f: { status: Array.from({ length: 100_000 }, () => 'RUNNING') } }, keys.viewer);
      assert.equal(res.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(res.errors));
      assert.match(res.errors![0].message, /^filter\.status: at most 1000 items, got 100000$/);
      // a list of a few still works
      const few = await t.gql(`query($f: RunFilterInput) { runs(filter: $f) { edges { node { id } } } }`, { f: { status: ['RUNNING', 'SUCCEEDED'] } }, keys.viewer);
      assert.equal(few.errors, undefined, JSON.stringify(few.errors));
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
    await refused(`{ runs(first: 2, after: "${cursor(['runs', '1', ZERO])}") { edges { node { id } } } }`, /^after: /);
    await refused(`{ runs(first: 2, after: "${cursor(['runs', '2026-02-31T00:00:00.000000Z', ZERO])}") { edges { node { id } } } }`, /^after: /);
    await refused(`{ run(id: "${runId}") { tasks(first: 2, after: "${cursor(['tasks', 1.5, 1])}") { edges { node { id } } } } }`, /^after: /);
    await refused(`{ run(id: "${runId}") { tasks(first: 2, after: "${cursor(['tasks', 1, 1e300])}") { edges { node { id } } } } }`, /^after: /);
    await refused(`{ costReports(first: 2, after: "${cursor(['costReports', 'x', ZERO])}") { edges { node { id } } } }`, /^after: /);
    await refused(`{ anomalies(first: 2, after: "${cursor(['anomalies', '2026-02-31', ZERO])}") { edges { node { id } } } }`, /^after: /);
    // a cursor the API did issue still pages
    const page = await t.gql(`{ runs(first: 1) { pageInfo { endCursor } } }`, {}, keys.viewer);
    const next = await t.gql(`query($after: String) { runs(first: 1, after: $after) { edges { node { id } } } }`, { after: page.data!.runs.pageInfo.endCursor }, keys.viewer);
    assert.equal(next.errors, undefined);
  });

  test("a cursor from another list, or one without the tag of its list, is refused naming after, not taken as a position in this one", async () => {
    await t.gql(`mutation { registerRun(input: {projectCode: "P", pipeline: "p"}) { id } }`, {}, keys.analyst);
    const page = await t.gql(`{ runs(first: 1) { pageInfo { endCursor } } }`, {}, keys.viewer);
    const fromRuns = page.data!.runs.pageInfo.endCursor as string;
    const elsewhere = [
      `alerts(first: 2, after: $after) { edges { node { id } } }`,
      `costImports(first: 2, after: $after) { edges { node { id } } }`,
      `reconciliations(first: 2, after: $after) { edges { node { id } } }`,
      `estimateErrors(first: 2, after: $after) { edges { node { id } } }`,
    ];
    for (const list of elsewhere) await refused(`query($after: String) { ${list} }`, /^after: .*not a cursor/, { after: fromRuns }, keys.viewer);
    // day + id: an anomaly's cursor has the shape of a cost report's
    await refused(`{ costReports(first: 2, after: "${cursor(['anomalies', '2026-01-01', ZERO])}") { edges { node { id } } } }`, /^after: /);
    // a cursor as issued before they were tagged: the bare (time, id) of a run
    const [at, id] = JSON.parse(Buffer.from(fromRuns, 'base64url').toString('utf8')).slice(1);
    await refused(`{ runs(first: 2, after: "${cursor([at, id])}") { edges { node { id } } } }`, /^after: /);
    const own = await t.gql(`query($after: String) { runs(first: 1, after: $after) { edges { node { id } } } }`, { after: fromRuns }, keys.viewer);
    assert.equal(own.errors, undefined, JSON.stringify(own.errors));
    assert.equal(own.data!.runs.edges.length, 1);
  });

  test('a cost window outside the years the API serves is refused naming the bound', async () => {
    const err = await refused(
      `{ costBreakdown(filter: {from: "0001-01-01T00:00:00Z", to: "9999-11-01T00:00:00Z"}, groupBy: [{dimension: PROJECT}]) { edges { node { runs } } } }`,
      /^filter\.(from|to): .*(2000|2100)/,
    );
    assert.match(err.message, /year/);
  });

  test('every DateTime input outside the years served is refused naming its field, and nothing is written', async () => {
    const connection = await t.gql(`mutation { createCostConnection(input: {name: "mi", scope: "/subscriptions/3c2b1a09-8f7e-4d6c-b5a4-938271605f4e", auth: MANAGED_IDENTITY}) { id } }`, {}, keys.admin);
    const budget = await t.gql(
      `mutation { createBudget(input: {name: "window", scope: {kind: ORGANIZATION}, period: CUSTOM, startsAt: "2026-01-01T00:00:00Z", endsAt: "2026-02-01T00:00:00Z", amount: "10", currency: "USD"}) { id } }`, {}, keys.admin);
    const [connectionId, budgetId] = [connection.data?.createCostConnection?.id, budget.data?.createBudget?.id];
    assert.ok(connectionId && budgetId, JSON.stringify([connection, budget]));
    const written = async () => (await t.db.sql`
      select (select json_agg(json_build_array(id, starts_at, ends_at) order by id) from budgets) as budgets, (select count(*) from cost_syncs) as syncs,
             (select count(*) from pgboss.job where name = 'costs.reconcile') as reconciles`)[0];
    const before = await written();

    const JAN = '"2026-01-01T00:00:00Z"';
    const FEB = '"2026-02-01T00:00:00Z"';
    const budgetInput = (startsAt: string, endsAt: string) => `{name: "b", scope: {kind: ORGANIZATION}, period: CUSTOM, startsAt: ${startsAt}, endsAt: ${endsAt}, amount: "10", currency: "USD"}`;
    // [schema coordinate, field named in the error, operation, selection with %d where the date goes]
    const inputs: [string, string, 'query' | 'mutation', string][] = [
      ['CreateBudgetInput.startsAt', 'input.startsAt', 'mutation', `createBudget(input: ${budgetInput('%d', FEB)}) { id }`],
      ['CreateBudgetInput.endsAt', 'input.endsAt', 'mutation', `createBudget(input: ${budgetInput(JAN, '%d')}) { id }`],
      ['UpdateBudgetInput.startsAt', 'input.startsAt', 'mutation', `updateBudget(id: "${budgetId}", input: {startsAt: %d}) { id }`],
      ['UpdateBudgetInput.endsAt', 'input.endsAt', 'mutation', `updateBudget(id: "${budgetId}", input: {endsAt: %d}) { id }`],
      ['Budget.spend(at:)', 'at', 'query', `budget(id: "${budgetId}") { spend(at: %d) { total { amount } } }`],
      ['Budget.forecast(at:)', 'at', 'query', `budget(id: "${budgetId}") { forecast(at: %d) { value { amount } } }`],
      ['Query.alerts(since:)', 'since', 'query', `alerts(since: %d) { edges { node { id } } }`],
      ['Query.costCentres(from:)', 'from', 'query', `costCentres(from: %d, to: ${FEB}) { rows }`],
      ['Query.costCentres(to:)', 'to', 'query', `costCentres(from: ${JAN}, to: %d) { rows }`],
      ['Query.dryRunAllocationRule(from:)', 'from', 'query', `dryRunAllocationRule(input: {name: "n", priority: 1, costCentre: "c", match: {service: "x"}}, from: %d, to: ${FEB}) { rows }`],
      ['Query.dryRunAllocationRule(to:)', 'to', 'query', `dryRunAllocationRule(input: {name: "n", priority: 1, costCentre: "c", match: {service: "x"}}, from: ${JAN}, to: %d) { rows }`],
      ['Query.tagCompliance(from:)', 'from', 'query', `tagCompliance(from: %d, to: ${FEB}, granularity: DAY) { __typename }`],
      ['Query.tagCompliance(to:)', 'to', 'query', `tagCompliance(from: ${JAN}, to: %d, granularity: DAY) { __typename }`],
      ['Mutation.reconcileCosts(from:)', 'from', 'mutation', `reconcileCosts(from: %d, to: ${FEB}) { jobId }`],
      ['Mutation.reconcileCosts(to:)', 'to', 'mutation', `reconcileCosts(from: ${JAN}, to: %d) { jobId }`],
      ['Mutation.syncCostConnection(from:)', 'from', 'mutation', `syncCostConnection(id: "${connectionId}", from: %d, to: ${FEB}) { syncId }`],
      ['Mutation.syncCostConnection(to:)', 'to', 'mutation', `syncCostConnection(id: "${connectionId}", from: ${JAN}, to: %d) { syncId }`],
      ['RunFilterInput.createdFrom', 'filter.createdFrom', 'query', `runs(filter: {createdFrom: %d}) { edges { node { id } } }`],
      ['RunFilterInput.createdTo', 'filter.createdTo', 'query', `runs(filter: {createdTo: %d}) { edges { node { id } } }`],
      ['CostFilterInput.from', 'filter.from', 'query', `costs(filter: {from: %d}, groupBy: [{dimension: SERVICE}]) { edges { node { rows } } }`],
      ['CostFilterInput.to', 'filter.to', 'query', `costs(filter: {to: %d}, groupBy: [{dimension: SERVICE}]) { edges { node { rows } } }`],
      ['BreakdownFilterInput.from', 'filter.from', 'query', `costBreakdown(filter: {from: %d, to: ${FEB}}, groupBy: [{dimension: PROJECT}]) { edges { node { runs } } }`],
      ['BreakdownFilterInput.to', 'filter.to', 'query', `costBreakdown(filter: {from: ${JAN}, to: %d}, groupBy: [{dimension: PROJECT}]) { edges { node { runs } } }`],
    ];
    // the table is every DateTime input the schema has: a new one gets a row here
    const schema = buildAppSchema();
    const inSchema = Object.values(schema.getTypeMap()).flatMap((type) => {
      if (isInputObjectType(type)) return Object.values(type.getFields()).filter((f) => getNamedType(f.type).name === 'DateTime').map((f) => `${type.name}.${f.name}`);
      if (!isObjectType(type) || type.name.startsWith('__')) return [];
      return Object.values(type.getFields()).flatMap((f) => f.args.filter((a) => getNamedType(a.type).name === 'DateTime').map((a) => `${type.name}.${f.name}(${a.name}:)`));
    });
    assert.deepEqual(inputs.map(([coordinate]) => coordinate).sort(), inSchema.sort());

    // year 10000 (9999-12-31 at -23:59) answered a 500 (Postgres cannot read `+010000-…`); year 0 a BAD_USER_INPUT naming
    // nothing; years 1 and 9999 were taken (a budget stored ending in 9999, filters and windows over eight millennia)
    for (const [date, year] of [['9999-12-31T23:59:59-23:59', 10000], ['0000-06-01T00:00:00Z', 0], ['0001-01-01T00:00:00Z', 1], ['9999-12-31T00:00:00Z', 9999]] as const) {
      for (const [coordinate, field, operation, selection] of inputs) {
        const literal = `${operation} { ${selection.replace('%d', JSON.stringify(date))} }`;
        const variable = `${operation}($d: DateTime!) { ${selection.replace('%d', '$d')} }`;
        for (const [query, variables] of [[literal, {}], [variable, { d: date }]] as const) {
          const err = await refused(query, new RegExp(`^${field.replace('.', '\\.')}: must fall in the years 2000 to 2100, got year ${year}$`), variables);
          assert.equal(err.extensions?.field, field, `${coordinate}: ${JSON.stringify(err)}`);
        }
      }
    }
    assert.deepEqual(await written(), before);
    // the years served still pass
    assert.equal((await t.gql(`{ alerts(since: "2000-01-01T00:00:00Z") { edges { node { id } } } }`, {}, keys.admin)).errors, undefined);
    assert.equal((await t.gql(`query($d: DateTime!) { runs(filter: {createdTo: $d}) { edges { node { id } } } }`, { d: '2100-12-31T23:59:59.999Z' }, keys.admin)).errors, undefined);
  });

  test('a string of white space only is refused naming the field, and nothing is stored', async () => {
    // "" was refused and "   " taken: a pool stored region and vmSize "" (trimmed), a run region, revision and
    // name "   ", a project cost centre "   "
    const count = async () => (await t.db.sql`select (select count(*) from projects) + (select count(*) from runs) + (select count(*) from pools) as n`)[0].n;
    const before = await count();
    const pool = (field: string, blank: string) => ({ name: `blank-${field}`, region: 'westeurope', vmSize: 'Standard_D4_v3', [field]: blank });
    const cases: [string, Record<string, unknown>, string][] = [
      [`mutation($input: DeclarePoolInput!) { declarePool(input: $input) { id } }`, { input: pool('region', '   ') }, 'input.region'],
      [`mutation($input: DeclarePoolInput!) { declarePool(input: $input) { id } }`, { input: pool('vmSize', '\t') }, 'input.vmSize'],
      [`mutation($input: DeclarePoolInput!) { declarePool(input: $input) { id } }`, { input: pool('provider', ' ') }, 'input.provider'],
      [`mutation($input: RegisterRunInput!) { registerRun(input: $input) { id } }`, { input: { projectCode: 'P', pipeline: 'p', runName: '  ' } }, 'input.runName'],
      [`mutation($input: RegisterRunInput!) { registerRun(input: $input) { id } }`, { input: { projectCode: 'P', pipeline: 'p', revision: '\n' } }, 'input.revision'],
      [`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { code: 'blank-cc', name: 'n', costCentre: '   ' } }, 'input.costCentre'],
    ];
    for (const [query, variables, field] of cases) {
      const err = await refused(query, /must not be blank/, variables);
      assert.equal(err.extensions?.field, field, err.message);
    }
    // in the document too
    await refused(`mutation { declarePool(input: {name: "blank-lit", region: "  ", vmSize: "Standard_D4_v3"}) { id } }`, /^input\.region: must not be blank/);
    assert.equal(await count(), before);
    // text around the white space still passes
    const ok = await t.gql(`mutation { declarePool(input: {name: "blank-ok", region: " westeurope ", vmSize: "Standard_D4_v3"}) { region } }`, {}, keys.admin);
    assert.equal(ok.data?.declarePool?.region, 'westeurope', JSON.stringify(ok));
  });

  test('an unpaired surrogate in any string input is refused naming the field, and nothing is stored', async () => {
    // JSON (labels, params, tag filters) answered a BAD_USER_INPUT naming nothing (Postgres refused the jsonb);
    // text (a project name) was stored with U+FFFD in its place
    const count = async () => (await t.db.sql`select (select count(*) from projects) + (select count(*) from runs) + (select count(*) from allocation_rules) as n`)[0].n;
    const before = await count();
    const cases: [string, Record<string, unknown>, string][] = [
      [`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { code: 'sur-1', name: 'a\ud800b' } }, 'input.name'],
      [`mutation($input: RegisterRunInput!) { registerRun(input: $input) { id } }`, { input: { projectCode: 'P', pipeline: 'p', labels: { team: 'x\udc00' } } }, 'input.labels.team'],
      [`mutation($input: RegisterRunInput!) { registerRun(input: $input) { id } }`, { input: { projectCode: 'P', pipeline: 'p', params: { ['k\ud800']: 1 } } }, 'input.params.k\\uD800'],
      [`mutation($input: AllocationRuleInput!) { createAllocationRule(input: $input) { id } }`, { input: { name: 'r', priority: 1, costCentre: 'c', match: { service: 'S\ud83d' } } }, 'input.match.service'],
      [`query($f: RunFilterInput) { runs(filter: $f) { edges { node { id } } } }`, { f: { labels: { a: '\ud800' } } }, 'f.labels.a'],
    ];
    for (const [query, variables, field] of cases) {
      const err = await refused(query, /unpaired surrogate/, variables);
      assert.ok(err.message.startsWith(`${field}: `), err.message);
      assert.equal(err.extensions?.field, field);
    }
    assert.equal(await count(), before);
    // a surrogate pair (an emoji) is a character like any other
    const ok = await t.gql(`mutation($input: CreateProjectInput!) { createProject(input: $input) { name } }`, { input: { code: 'sur-ok', name: 'rocket \ud83d\ude80' } }, keys.admin);
    assert.equal(ok.data?.createProject?.name, 'rocket \u{1F680}', JSON.stringify(ok));
  });

  test('JSON nested deeper than the API stores is refused naming the field, however deep, and nothing is stored', async () => {
    // the walk over the variables recursed once per level: 20,000 levels answered INTERNAL_SERVER_ERROR (call stack exceeded)
    const nested = (depth: number): unknown => (depth === 0 ? 'x' : { a: nested(depth - 1) });
    const before = (await t.db.sql`select count(*)::int as n from runs`)[0].n;
    const register = `mutation($input: RegisterRunInput!) { registerRun(input: $input) { id } }`;
    for (const depth of [65, 20_000]) {
      // written by hand: JSON.stringify itself overflows at 20,000 levels
      const body = JSON.stringify({ query: register, variables: { input: { projectCode: 'P', pipeline: 'p', params: { ok: 1, deep: 'DEEP' } } } })
        .replace('"DEEP"', `${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`);
      const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.analyst}` }, body });
      const { errors } = (await res.json()) as { errors?: { message: string; extensions?: Record<string, unknown> }[] };
      assert.equal(errors?.[0].extensions?.code, 'BAD_USER_INPUT', `${depth}: ${JSON.stringify(errors)}`);
      assert.match(errors![0].message, /^input\.params\.deep(\.a)*: must not nest objects and lists deeper than 64 levels$/);
      assert.equal(errors![0].extensions?.field, errors![0].message.slice(0, errors![0].message.indexOf(':')));
    }
    // written in the document, the same depth is refused the same way (65 levels: input, params, 63 below)
    const literal = `mutation { registerRun(input: {projectCode: "P", pipeline: "p", params: {deep: ${'{a: '.repeat(63)}"x"${'}'.repeat(63)}}}) { id } }`;
    await refused(literal, /^input\.params\.deep(\.a)*: must not nest objects and lists deeper than 64 levels$/, {}, keys.analyst);
    assert.equal((await t.db.sql`select count(*)::int as n from runs`)[0].n, before);
    // 64 levels of a JSON argument (params itself is the first) are stored as sent
    const ok = await t.gql(register, { input: { projectCode: 'P', pipeline: 'p', params: { deep: nested(62) } } }, keys.analyst);
    assert.equal(ok.errors, undefined, JSON.stringify(ok.errors));
    const [{ leaf }] = await t.db.sql`select params #>> ${['deep', ...Array<string>(62).fill('a')]} as leaf from runs where id = ${ok.data?.registerRun?.id as string}`;
    assert.equal(leaf, 'x');
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
