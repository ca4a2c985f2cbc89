import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { publishRunUpdated } from '../../src/services/capture/run-events.js';
import { createOrgWithKeys, startTestApp, untilSubscribers, type GqlResult, type TestApp } from '../support/app.js';
import { until } from '../support/until.js';
import { collect, once, rawWsClient, wsClient, type GqlError, type Outcome, type RawMessage } from '../support/ws-client.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';

/** The GraphQL errors an operation over the socket answered with: in its result, or as the error message that ended it. */
const errorsOf = (outcome: Outcome): GqlError[] | undefined => ('result' in outcome ? outcome.result.errors : Array.isArray(outcome.error) ? (outcome.error as GqlError[]) : undefined);
/** The close code, when the socket closed under the operation. */
const closeCodeOf = (outcome: Outcome | { error?: unknown }): number | undefined => {
  const error = 'error' in outcome ? outcome.error : undefined;
  return error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
};
/** What a client compares between transports: code and message of each error. */
const shape = (errors: GqlError[] | GqlResult['errors'] | undefined) => errors?.map((e) => ({ code: e.extensions?.code, message: e.message }));

/**
 * graphql-ws on /graphql answers like HTTP: the caller is authenticated again for every operation and
 * every event, and the same limits and error formatting apply.
 */
describe('graphql-ws transport', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let intruder: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let runId: string;
  const clients: { dispose(): void | Promise<void> }[] = [];
  const client = (key?: string) => {
    const c = wsClient(t.url, key);
    clients.push(c);
    return c;
  };

  before(async () => {
    t = await startTestApp({ env: { GCT_MAX_QUERY_DEPTH: '3', GCT_MAX_QUERY_COMPLEXITY: '100', GCT_JWT_SECRET: SECRET, GCT_WS_MAX_OPERATIONS: '2' } });
    keys = await createOrgWithKeys(t.db, 'ws-org');
    intruder = await createOrgWithKeys(t.db, 'ws-intruder');
    assert.equal((await t.gql(`mutation { createProject(input: {code: "WS", name: "ws"}) { id } }`, {}, keys.admin)).errors, undefined);
    const reg = await t.gql<{ registerRun: { id: string } }>(`mutation { registerRun(input: {projectCode: "WS", pipeline: "nf-core/rnaseq"}) { id } }`, {}, keys.analyst);
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    runId = reg.data!.registerRun.id;
  });
  after(async () => {
    for (const c of clients) await c.dispose();
    await t.close();
  });

  const newAdminKey = async (name: string) => {
    const res = await t.gql<{ createApiKey: { key: string; apiKey: { id: string } } }>(`mutation($name: String!) { createApiKey(input: {name: $name, role: ADMIN}) { key apiKey { id } } }`, { name }, keys.admin);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return { key: res.data!.createApiKey.key, id: res.data!.createApiKey.apiKey.id };
  };
  const revoke = async (id: string) => {
    const res = await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id }, keys.admin);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
  };
  const waitForSubscribers = (n: number) => untilSubscribers(t, n);

  test('a key revoked while its connection is open is refused on its next operation over that socket', async () => {
    const { key, id } = await newAdminKey('revoked on a socket');
    const ws = client(key);
    const before = await once<{ me: { role: string } }>(ws, `{ me { role } }`);
    assert.deepEqual('result' in before && before.result.data, { me: { role: 'ADMIN' } });

    await revoke(id);
    assert.equal((await t.gql(`{ me { role } }`, {}, key)).errors?.[0].extensions?.code, 'UNAUTHENTICATED');

    const after = await once(ws, `mutation { createProject(input: {code: "AFTER-REVOKE", name: "must not exist"}) { id } }`);
    assert.ok(!('result' in after && after.result.data), `ran after revocation: ${JSON.stringify(after)}`);
    // refused as on connect: the socket closes with 4403 Forbidden
    assert.equal(closeCodeOf(after), 4403, JSON.stringify(after));
    const [{ n }] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from projects where code = 'AFTER-REVOKE'`;
    assert.equal(n, 0);
  });

  test('one connection runs at most GCT_WS_MAX_OPERATIONS operations at once', async () => {
    const ws = client(keys.viewer);
    const subscribe = () => collect<{ runUpdated: { id: string } }>(ws, `subscription($id: ID!) { runUpdated(runId: $id) { id } }`, { id: runId });
    const [first, second] = [subscribe(), subscribe()];
    await waitForSubscribers(2);
    const third = subscribe();
    await third.ended;
    const refused = third.errors as GqlError[];
    assert.equal(refused[0]?.extensions?.code, 'TOO_MANY_OPERATIONS', JSON.stringify(refused));
    // the two running ones are untouched, and another connection has its own budget
    await publishRunUpdated(t.db.db, keys.org.id, runId);
    await first.waitFor(1);
    await second.waitFor(1);
    assert.equal(errorsOf(await once(client(keys.viewer), `{ me { role } }`)), undefined);
    await ws.dispose();
    await waitForSubscribers(0);
  });

  test('an id subscribed, completed and subscribed again while the first was being prepared leaves no subscription running unreachable', async () => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${keys.viewer}` } }));
    await new Promise((r) => ws.once('message', r));
    const nexts = new Map<string, GqlResult[]>();
    ws.on('message', (m) => {
      const msg = JSON.parse(String(m)) as { id: string; type: string; payload: GqlResult };
      if (msg.type === 'next') nexts.set(msg.id, [...(nexts.get(msg.id) ?? []), msg.payload]);
    });
    const send = (id: string, type: 'subscribe' | 'complete') =>
      ws.send(JSON.stringify(type === 'complete' ? { id, type } : { id, type, payload: { query: `subscription($id: ID!) { runUpdated(runId: $id) { id } }`, variables: { id: runId } } }));
    try {
      for (const id of ['x0', 'x1', 'x2']) {
        send(id, 'subscribe');
        send(id, 'complete');
        send(id, 'subscribe');
        await new Promise((r) => setTimeout(r, 150));
        send(id, 'complete'); // the client has completed everything it started under this id
      }
      await waitForSubscribers(0);
      for (const id of ['p0', 'p1', 'p2']) send(id, 'subscribe');
      await waitForSubscribers(2);
      await publishRunUpdated(t.db.db, keys.org.id, runId);
      // p2's refusal may come after p0's and p1's events
      await until(() => `an answer to p0, p1 and p2, have ${JSON.stringify([...nexts.keys()])}`, () => nexts.has('p0') && nexts.has('p1') && nexts.has('p2'));
      assert.deepEqual([...nexts.keys()].filter((id) => id.startsWith('x')), [], 'no completed id runs on');
      assert.equal(nexts.get('p0')?.[0].data?.runUpdated.id, runId);
      assert.equal(nexts.get('p1')?.[0].data?.runUpdated.id, runId);
      assert.equal(nexts.get('p2')?.[0].errors?.[0].extensions?.code, 'TOO_MANY_OPERATIONS', 'the third is over the cap of 2');
    } finally {
      ws.close();
      await waitForSubscribers(0);
    }
  });

  test('an operation whose execution throws is answered with a masked error on an open socket, and its id can be used again', async () => {
    const ws = await rawWsClient(t.url, keys.viewer);
    const of = (id: string, type: string) => (m: RawMessage) => m.id === id && m.type === type;
    try {
      // graphql-js 16 validates this, then throws setting it up (no root field is left to subscribe to)
      ws.subscribe('again', `subscription($id: ID!) { runUpdated(runId: $id) @skip(if: true) { id } }`, { id: runId });
      const first = await ws.waitFor(of('again', 'complete'));
      assert.ok(!('closed' in first), `the socket closed under the failed operation: ${JSON.stringify(first)}`);
      const answer = ws.messages.find(of('again', 'next'))?.payload as GqlResult | undefined;
      assert.deepEqual(shape(answer?.errors), [{ code: 'INTERNAL_SERVER_ERROR', message: 'internal error' }], JSON.stringify(ws.messages));

      // graphql-js's validation itself throws for this one: answered as over HTTP, the socket still open
      const throwsInValidation = [`subscription($id: ID!, $on: Boolean!) { runUpdated(runId: $id) @include(if: $on) { id } }`, { id: runId, on: true }] as const;
      const http = await t.gql(...throwsInValidation, keys.viewer);
      ws.subscribe('validation', ...throwsInValidation);
      const refused = await ws.waitFor((m) => m.id === 'validation' && (m.type === 'error' || m.type === 'complete'));
      assert.ok(!('closed' in refused), `the socket closed under the refused operation: ${JSON.stringify(refused)}`);
      assert.deepEqual(shape(refused.payload as GqlError[]), shape(http.errors), JSON.stringify(refused));

      // the id is free again, on the same socket
      ws.subscribe('again', `subscription($id: ID!) { runUpdated(runId: $id) { id } }`, { id: runId });
      await waitForSubscribers(1);
      await publishRunUpdated(t.db.db, keys.org.id, runId);
      const event = await ws.waitFor((m) => of('again', 'next')(m) && (m.payload as GqlResult).data != null);
      assert.ok(!('closed' in event), JSON.stringify(ws.messages));
      assert.equal((event.payload as GqlResult<{ runUpdated: { id: string } }>).data?.runUpdated.id, runId, JSON.stringify(ws.messages));
    } finally {
      ws.close();
      await waitForSubscribers(0);
    }
  });

  test('each WS operation is logged once when it ends, with its name, organization and error codes, and no variables or credentials', async () => {
    const ws = await rawWsClient(t.url, keys.viewer);
    const from = t.logs.length;
    try {
      ws.subscribe('q', `query Whoami { me { role } }`);
      ws.subscribe('refused', `mutation CreateNothing($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { code: 'LOGGED', name: 'secret-looking-variable-value' } });
      ws.subscribe('s', `subscription Watch($id: ID!) { runUpdated(runId: $id) { id } }`, { id: runId });
      await ws.waitFor((m) => m.id === 'q' && m.type === 'complete');
      await ws.waitFor((m) => m.id === 'refused' && m.type === 'complete');
      await waitForSubscribers(1);
      await publishRunUpdated(t.db.db, keys.org.id, runId);
      await ws.waitFor((m) => m.id === 's' && m.type === 'next');
      ws.complete('s');
      await waitForSubscribers(0);
    } finally {
      ws.close();
    }
    await ws.closed;
    type Line = { msg: string; opId?: string; reqId?: string; operation?: string; operationName?: string; orgId?: string; errors?: string[]; events?: number; ms?: number };
    const lines = () => t.logs.slice(from).map((l) => JSON.parse(l) as Line);
    await until('three graphql-ws operation log lines', () => lines().filter((l) => l.msg === 'graphql-ws operation').length >= 3);
    const ended = (opId: string) => lines().filter((l) => l.msg === 'graphql-ws operation' && l.opId === opId);

    assert.deepEqual(ended('q').map((l) => [l.operation, l.operationName, l.orgId, l.errors, typeof l.ms, typeof l.reqId]), [['query', 'Whoami', keys.org.id, undefined, 'number', 'string']]);
    assert.deepEqual(ended('refused').map((l) => [l.operation, l.operationName, l.errors]), [['mutation', 'CreateNothing', ['FORBIDDEN']]]);
    assert.deepEqual(ended('s').map((l) => [l.operation, l.operationName, l.events]), [['subscription', 'Watch', 1]]);
    assert.equal(lines().filter((l) => l.msg === 'graphql-ws subscription started' && l.opId === 's').length, 1);
    const all = t.logs.slice(from).join('\n');
    assert.ok(!all.includes('secret-looking-variable-value'), 'a variable value was logged');
    assert.ok(!all.includes(keys.viewer), 'the API key was logged');
    assert.ok(!all.includes(keys.viewer.slice('gct_'.length + 9)), "the API key's secret was logged");
  });

  test("a revoked key's running subscription ends on the next event instead of receiving it", async () => {
    const { key, id } = await newAdminKey('revoked while subscribed');
    const sub = collect<{ runUpdated: { id: string } }>(client(key), `subscription($id: ID!) { runUpdated(runId: $id) { id } }`, { id: runId });
    await waitForSubscribers(1);
    await publishRunUpdated(t.db.db, keys.org.id, runId);
    await sub.waitFor(1);

    await revoke(id);
    await publishRunUpdated(t.db.db, keys.org.id, runId);
    // a bound, not a timing under test: the event that must end it has been published
    const ended = await Promise.race([sub.ended, new Promise<'still open'>((r) => setTimeout(() => r('still open'), 30_000))]);
    assert.notEqual(ended, 'still open', `still subscribed after revocation; received ${sub.items.length} events`);
    assert.equal(closeCodeOf(ended as { error?: unknown }), 4403, JSON.stringify(ended));
    assert.equal(sub.items.length, 1, 'the event after revocation was delivered');
    await waitForSubscribers(0);
  });

  test("an event checks a key once for all of its subscribers on the process, not once per subscriber", async () => {
    const subs = Array.from({ length: 5 }, () => collect<{ runUpdated: { id: string } }>(client(keys.viewer), `subscription($id: ID!) { runUpdated(runId: $id) { id } }`, { id: runId }));
    await waitForSubscribers(5);
    const before = t.queries.length;
    await publishRunUpdated(t.db.db, keys.org.id, runId);
    await Promise.all(subs.map((s) => s.waitFor(1)));
    const lookups = t.queries.slice(before).filter((q) => /from principals where key_hash/i.test(q));
    assert.equal(lookups.length, 1, lookups.join('\n'));
    for (const s of subs) s.stop();
    await waitForSubscribers(0);
  });

  test('filtered subscriptions (alertRaised, budgetBreached) leave the event bus when completed, when their socket closes, and when refused over the cap', async () => {
    // no alert or breach is raised here: a quiet subscription must let go without an event coming
    const alert = `subscription { alertRaised(kinds: [BUDGET_ACTUAL]) { id } }`;
    const breach = `subscription { budgetBreached(scope: { kind: ORGANIZATION }) { budgetId } }`;
    const ws = await rawWsClient(t.url, keys.viewer);
    try {
      ws.subscribe('a', alert);
      ws.subscribe('b', breach);
      await waitForSubscribers(2);
      ws.complete('a');
      ws.complete('b');
      await waitForSubscribers(0);

      // over GCT_WS_MAX_OPERATIONS (2): the third is refused before its first event is asked for. The
      // third is sent once the two run: sent together, they reach the cap in any order under load
      for (const id of ['c1', 'c2']) ws.subscribe(id, alert);
      await waitForSubscribers(2);
      ws.subscribe('c3', alert);
      const refused = await ws.waitFor((m) => m.id === 'c3' && m.type === 'next');
      assert.equal((refused as RawMessage).payload && ((refused as RawMessage).payload as GqlResult).errors?.[0].extensions?.code, 'TOO_MANY_OPERATIONS', JSON.stringify(refused));
      await waitForSubscribers(2);
    } finally {
      ws.close();
    }
    await ws.closed;
    await waitForSubscribers(0);
    // the close ran to its end: the running operations' log lines were written
    await until('the log lines of c1 and c2', () => ['c1', 'c2'].every((id) => t.logs.some((l) => l.includes('"graphql-ws operation"') && l.includes(`"opId":"${id}"`))));
  });

  test("an expired JWT's connection is refused on its next operation", async () => {
    const exp = Math.floor(Date.now() / 1000) + 3;
    const token = await new SignJWT({ org: keys.org.id, role: 'ADMIN' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('short-lived@lab.example')
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    const ws = client(token);
    const first = await once<{ me: { role: string } }>(ws, `{ me { role } }`);
    assert.deepEqual('result' in first && first.result.data, { me: { role: 'ADMIN' } });
    // until the token has expired by the clock the server reads (this machine's), however long the first answer took
    await new Promise((r) => setTimeout(r, exp * 1000 + 100 - Date.now()));
    const later = await once(ws, `{ me { role } }`);
    assert.ok(!('result' in later && later.result.data), `answered with an expired token: ${JSON.stringify(later)}`);
    assert.equal(closeCodeOf(later), 4403, JSON.stringify(later));
  });

  test('an over-complex or too deep operation over WS is refused like over HTTP', async () => {
    const complex = `{ runs(first: 60) { edges { cursor node { id status } } } }`;
    const http = await t.gql(complex, {}, keys.viewer);
    assert.equal(http.errors?.[0].extensions?.code, 'QUERY_TOO_COMPLEX');
    const ws = client(keys.viewer);
    const overWs = await once(ws, complex);
    assert.deepEqual(shape(errorsOf(overWs)), shape(http.errors), JSON.stringify(overWs));

    const manyFields = Array.from({ length: 120 }, (_, i) => `f${i}: id`).join(' ');
    const complexSubscription = await once(ws, `subscription($id: ID!) { runUpdated(runId: $id) { ${manyFields} } }`, { id: runId });
    assert.equal(errorsOf(complexSubscription)?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX', JSON.stringify(complexSubscription));

    const deep = `{ runs(first: 1) { edges { node { project { code } } } } }`;
    const httpDeep = await t.gql(deep, {}, keys.viewer);
    assert.equal(httpDeep.errors?.[0].extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.deepEqual(shape(errorsOf(await once(ws, deep))), shape(httpDeep.errors));

    const ok = await once<{ runs: { edges: unknown[] } }>(ws, `{ runs(first: 5) { edges { node { id } } } }`);
    assert.ok('result' in ok && ok.result.errors === undefined && ok.result.data!.runs.edges.length === 1, JSON.stringify(ok));
  });

  test('NOT_FOUND, FORBIDDEN, UNAUTHENTICATED and bad input over WS carry the same code and message as over HTTP', async () => {
    // another organization's run: the subscription is refused as the query is
    const httpNotFound = await t.gql(`query($id: ID!) { run(id: $id) { id } }`, { id: runId }, intruder.viewer);
    assert.equal(httpNotFound.errors?.[0].extensions?.code, 'NOT_FOUND');
    const sub = collect(client(intruder.viewer), `subscription($id: ID!) { runUpdated(runId: $id) { id } }`, { id: runId });
    await sub.ended;
    assert.deepEqual(shape(sub.errors as GqlError[]), shape(httpNotFound.errors));

    const forbidden = `mutation { createProject(input: {code: "V", name: "viewer"}) { id } }`;
    const httpForbidden = await t.gql(forbidden, {}, keys.viewer);
    assert.equal(httpForbidden.errors?.[0].extensions?.code, 'FORBIDDEN');
    assert.deepEqual(shape(errorsOf(await once(client(keys.viewer), forbidden))), shape(httpForbidden.errors));

    const httpAnonymous = await t.gql(`{ me { name } }`);
    assert.equal(httpAnonymous.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
    assert.deepEqual(shape(errorsOf(await once(client(), `{ me { name } }`))), shape(httpAnonymous.errors));

    const badVariable = [`query($first: Int!) { runs(first: $first) { edges { node { id } } } }`, { first: 'many' }] as const;
    const httpBad = await t.gql(...badVariable, keys.viewer);
    assert.equal(httpBad.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.deepEqual(shape(errorsOf(await once(client(keys.viewer), ...badVariable))), shape(httpBad.errors));

    const nul = [`mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }`, { input: { code: 'NUL', name: 'a\u0000b' } }] as const;
    const httpNul = await t.gql(...nul, keys.admin);
    assert.equal(httpNul.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.deepEqual(shape(errorsOf(await once(client(keys.admin), ...nul))), shape(httpNul.errors));

    const farDate = [`query($since: DateTime) { alerts(since: $since, first: 1) { edges { node { id } } } }`, { since: '9999-12-31T23:59:59-23:59' }] as const;
    const httpFar = await t.gql(...farDate, keys.viewer);
    assert.deepEqual(shape(httpFar.errors), [{ code: 'BAD_USER_INPUT', message: 'since: must fall in the years 2000 to 2100, got year 10000' }]);
    assert.deepEqual(shape(errorsOf(await once(client(keys.viewer), ...farDate))), shape(httpFar.errors));
  });

  test('an internal error over WS is masked like over HTTP: no SQL, no parameters', async () => {
    // a database that fails under the app (as mid-migration): every read of runs is an unexpected error
    await t.db.sql`alter table runs rename to runs_moved_away`;
    try {
      const http = await t.gql(`query($id: ID!) { run(id: $id) { id } }`, { id: runId }, keys.viewer);
      assert.deepEqual(shape(http.errors), [{ code: 'INTERNAL_SERVER_ERROR', message: 'internal error' }]);

      const ws = client(keys.viewer);
      const query = await once(ws, `query($id: ID!) { run(id: $id) { id } }`, { id: runId });
      assert.deepEqual(shape(errorsOf(query)), shape(http.errors), JSON.stringify(query));

      const sub = collect(ws, `subscription($id: ID!) { runUpdated(runId: $id) { id } }`, { id: runId });
      await sub.ended;
      assert.deepEqual(shape(sub.errors as GqlError[]), shape(http.errors), JSON.stringify(sub.errors));
    } finally {
      await t.db.sql`alter table runs_moved_away rename to runs`;
    }
  });
});
