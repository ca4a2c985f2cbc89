import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApolloServer } from '@apollo/server';
import { buildSchema } from 'graphql';
import { jitGateway } from '../../src/graphql/jit-executor.js';
import { loadDemo } from '../../src/services/demo.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';

/**
 * The compiled executor (GCT_GRAPHQL_EXECUTOR=jit, the default) must answer exactly what graphql-js
 * answers: two servers over one database, one per executor, get the same requests, and every answer
 * (status and body) must be the same. The counters show which requests the compiled code served, so a
 * test of "the same answer" cannot pass by quietly falling back on every request.
 */
describe('GraphQL executors: compiled queries answer exactly what graphql-js answers', () => {
  let db: TestDatabase;
  let jit: TestApp;
  let js: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let runId: string;
  const now = new Date('2026-11-20T12:00:00Z');
  const window = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

  before(async () => {
    db = await createTestDatabase();
    jit = await startTestApp({ db, role: 'api', env: { GCT_GRAPHQL_EXECUTOR: 'jit' } });
    js = await startTestApp({ db, role: 'api', env: { GCT_GRAPHQL_EXECUTOR: 'graphql-js' } });
    keys = await createOrgWithKeys(db, 'jit');
    await loadDemo(db.db, keys.org.id, jit.app.config, now);
    [{ id: runId }] = await db.sql<{ id: string }[]>`select id from runs where org_id = ${keys.org.id} order by started_at limit 1`;
  });
  after(async () => {
    await jit?.close();
    await js?.close();
    await db?.drop();
  });

  const post = async (app: TestApp, query: string, variables?: Record<string, unknown>, key = keys.analyst) => {
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as { data?: Record<string, any> | null; errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[] } };
  };

  /** Sends the request to both servers; asserts the same answer, and which executor the jit server used. */
  const same = async (executedBy: 'compiled' | 'interpreted' | 'neither', query: string, variables?: Record<string, unknown>, key?: string) => {
    const before = { ...jit.app.http!.executions! };
    const [a, b] = [await post(jit, query, variables, key), await post(js, query, variables, key)];
    assert.deepEqual(a, b);
    const after = jit.app.http!.executions!;
    assert.deepEqual(
      { compiled: after.compiled - before.compiled, interpreted: after.interpreted - before.interpreted },
      { compiled: executedBy === 'compiled' ? 1 : 0, interpreted: executedBy === 'interpreted' ? 1 : 0 },
      `executed by ${executedBy}`,
    );
    assert.equal(js.app.http!.executions, undefined, 'the graphql-js server has no compiled executor');
    return a;
  };

  const BREAKDOWN = `query($filter: BreakdownFilterInput!, $groupBy: [BreakdownGroupByInput!], $granularity: Granularity, $metric: CostMetric, $first: Int) {
    costBreakdown(filter: $filter, groupBy: $groupBy, granularity: $granularity, metric: $metric, first: $first) {
      edges { cursor node { period keys { dimension tagKey value } actual { amount currency } estimate { amount } previousActual { amount } runs samples costPerRun { amount } costPerSample { amount } costPerGb { amount } } }
      pageInfo { hasNextPage endCursor }
      totals { actual { amount currency } estimate { amount } previousActual { amount } }
    }
  }`;

  test('an explorer page with every variable sent is compiled, and equal to graphql-js to the last field', async () => {
    const { status, body } = await same('compiled', BREAKDOWN, { filter: window, groupBy: [{ dimension: 'PROJECT' }, { dimension: 'PROCESS' }], granularity: 'DAY', metric: 'BOTH', first: 40 });
    assert.equal(status, 200);
    assert.equal(body.errors, undefined);
    const page = body.data!.costBreakdown;
    assert.equal(page.edges.length, 40, 'a full page of groups');
    assert.equal(page.pageInfo.hasNextPage, true);
    assert.ok(page.edges.some((e: { node: { actual: { amount: string } | null } }) => e.node.actual !== null), 'real amounts, not an empty answer');
    // the next page through the cursor, still compiled (same document, other variables)
    await same('compiled', BREAKDOWN, { filter: window, groupBy: [{ dimension: 'PROJECT' }, { dimension: 'PROCESS' }], granularity: 'DAY', metric: 'BOTH', first: 40, after: page.pageInfo.endCursor });
  });

  test('an unsent optional variable leaves the argument to its default: graphql-js serves it', async () => {
    // metric and first fall back to their schema defaults (ACTUAL, 100); graphql-jit would pass undefined
    const { body } = await same('interpreted', BREAKDOWN, { filter: window, groupBy: [{ dimension: 'SERVICE' }] });
    assert.ok(body.data!.costBreakdown.edges.length > 0);
    assert.ok(body.data!.costBreakdown.edges.every((e: { node: { estimate: unknown } }) => e.node.estimate === null), 'ACTUAL only, the default metric');
  });

  test('a quote from an input object with a defaulted field compiles; a literal around a variable is left to graphql-js', async () => {
    // EstimateInput.priority defaults to DEDICATED, and both coercions apply it
    const quote = `query($input: EstimateInput!) { estimate(input: $input) { value currency low high basis model { name } processes { process low high tasks } } }`;
    const { body } = await same('compiled', quote, { input: { pipeline: 'nf-core/rnaseq', samples: 4 } });
    assert.equal(body.errors, undefined);
    assert.ok(Number(body.data!.estimate.value) > 0, 'a real quote');
    await same('interpreted', `query($samples: Int!) { estimate(input: { pipeline: "nf-core/rnaseq", samples: $samples }) { value basis } }`, { samples: 4 });
  });

  test('nested lists, fragments, aliases and directives compile to the same answer', async () => {
    const query = `query($id: ID!, $withTasks: Boolean!) {
      run(id: $id) { ...R tasks(first: 5) @include(if: $withTasks) { edges { node { __typename process status } } } }
      recent: runs(first: 3) { edges { node { ...R } } pageInfo { hasNextPage } }
      me { role organization { name } }
    }
    fragment R on Run { id status runName sampleCount taskCount actualCost { amount currency } estimatedCost { amount } processes { name completed cpuHours } samples { sample tasks } }`;
    for (const withTasks of [true, false]) {
      const { body } = await same('compiled', query, { id: runId, withTasks });
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      assert.equal(body.data!.run.id, runId);
      assert.equal('tasks' in body.data!.run, withTasks);
    }
  });

  test('introspection compiles to the same schema description', async () => {
    const { body } = await same('compiled', `query { __schema { queryType { name } types { name kind fields(includeDeprecated: true) { name args { name defaultValue } type { name kind ofType { name } } } } } }`);
    assert.ok(body.data!.__schema.types.some((t: { name: string }) => t.name === 'CostBreakdownConnection'));
  });

  test('errors keep their code, message, path and locations; bad variables are the same 400', async () => {
    const missing = await same('compiled', `query($id: ID!) { run(id: $id) { id status } }`, { id: '00000000-0000-4000-8000-000000000000' });
    assert.equal(missing.body.errors?.[0].extensions?.code, 'NOT_FOUND');
    // a field the caller's role may not read: null where it was, the rest of the answer kept
    const forbidden = await same('compiled', `query { me { role } webhookChannels { id } }`, undefined, keys.viewer);
    assert.equal(forbidden.body.errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.deepEqual(forbidden.body.errors?.[0].path, ['webhookChannels']);
    const bad = await same('neither', BREAKDOWN, { filter: window, groupBy: [], granularity: 'FORTNIGHT', metric: 'ACTUAL', first: 10 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    // another organization's run is not found through the compiled code either
    const other = await createOrgWithKeys(db, 'jit-other');
    const hidden = await same('compiled', `query($id: ID!) { run(id: $id) { id } }`, { id: runId }, other.analyst);
    assert.equal(hidden.body.errors?.[0].extensions?.code, 'NOT_FOUND');
  });
});

describe('GraphQL executors: where graphql-jit would coerce differently, graphql-js answers', () => {
  // graphql-jit does not apply the default of a non-null input field (only mutations have one in our
  // schema, and mutations are not compiled), so this schema makes one a query's input
  const schema = buildSchema(`
    input Shape { kind: String! = "circle", size: Int }
    type Query { describe(shape: Shape!): String!, size(shape: Shape!): Int }
  `);
  type Shape = { shape: { kind: string; size?: number } };
  schema.getQueryType()!.getFields().describe.resolve = (_, { shape }: Shape) => `${shape.kind}:${shape.size ?? 'none'}`;
  schema.getQueryType()!.getFields().size.resolve = (_, { shape }: Shape) => shape.size ?? null;

  const run = async (server: ApolloServer, query: string, variables: Record<string, unknown>) => {
    const res = await server.executeOperation({ query, variables });
    assert.equal(res.body.kind, 'single');
    return res.body.kind === 'single' ? res.body.singleResult : undefined;
  };

  test('the default of a non-null input field is applied, by graphql-js, and the counters say so', async () => {
    const { gateway, executions } = jitGateway(schema);
    const compiled = new ApolloServer({ gateway });
    const plain = new ApolloServer({ schema });
    await Promise.all([compiled.start(), plain.start()]);
    try {
      const query = 'query($shape: Shape!) { describe(shape: $shape) }';
      const omitted = await run(compiled, query, { shape: { size: 3 } });
      assert.deepEqual(omitted, await run(plain, query, { shape: { size: 3 } }));
      assert.deepEqual({ ...omitted?.data }, { describe: 'circle:3' });
      assert.deepEqual(executions, { compiled: 0, interpreted: 1 });
      // sent in full, both coercions agree: the compiled code serves it
      const sent = await run(compiled, query, { shape: { kind: 'square', size: 2 } });
      assert.deepEqual({ ...sent?.data }, { describe: 'square:2' });
      assert.deepEqual(executions, { compiled: 1, interpreted: 1 });
    } finally {
      await Promise.all([compiled.stop(), plain.stop()]);
    }
  });
});
