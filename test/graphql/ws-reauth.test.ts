import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { publishRunUpdated } from '../../src/services/capture/run-events.js';
import { createOrgWithKeys, startTestApp, untilSubscribers, type TestApp } from '../support/app.js';
import { until } from '../support/until.js';
import { collect, wsClient } from '../support/ws-client.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const SUBSCRIPTION = `subscription($id: ID!) { runUpdated(runId: $id) { id } }`;

const closeCodeOf = (outcome: { error?: unknown } | 'still open'): number | undefined => {
  const error = typeof outcome === 'object' ? outcome.error : undefined;
  return error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'number' ? error.code : undefined;
};

/**
 * A graphql-ws connection's credential is checked every GCT_WS_REAUTH_SECONDS, so a subscription no
 * event reaches does not outlive its key's revocation or its JWT's expiry. A file of its own: its checks
 * every second would count in other files' tests of how many lookups an event costs.
 */
describe('graphql-ws periodic re-authentication', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let runId: string;
  const clients: { dispose(): void | Promise<void> }[] = [];
  const client = (key: string) => {
    const c = wsClient(t.url, key);
    clients.push(c);
    return c;
  };

  before(async () => {
    t = await startTestApp({ env: { GCT_WS_REAUTH_SECONDS: '1', GCT_JWT_SECRET: SECRET } });
    keys = await createOrgWithKeys(t.db, 'ws-reauth');
    assert.equal((await t.gql(`mutation { createProject(input: {code: "RA", name: "reauth"}) { id } }`, {}, keys.admin)).errors, undefined);
    const reg = await t.gql<{ registerRun: { id: string } }>(`mutation { registerRun(input: {projectCode: "RA", pipeline: "nf-core/rnaseq"}) { id } }`, {}, keys.analyst);
    assert.equal(reg.errors, undefined, JSON.stringify(reg.errors));
    runId = reg.data!.registerRun.id;
  });
  after(async () => {
    for (const c of clients) await c.dispose();
    await t.close();
  });

  const waitForSubscribers = (n: number) => untilSubscribers(t, n);
  /** The subscription's end, or 'still open' well after several checks were due (a bound, not a timing under test). */
  const endOf = (sub: { ended: Promise<{ error?: unknown }> }) => Promise.race([sub.ended, new Promise<'still open'>((r) => setTimeout(() => r('still open'), 30_000))]);

  test("a revoked key's quiet subscription is closed with 4403 though no event is published", async () => {
    const created = await t.gql<{ createApiKey: { key: string; apiKey: { id: string } } }>(`mutation { createApiKey(input: {name: "quiet", role: VIEWER}) { key apiKey { id } } }`, {}, keys.admin);
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const { key, apiKey } = created.data!.createApiKey;
    const sub = collect<{ runUpdated: { id: string } }>(client(key), SUBSCRIPTION, { id: runId });
    await waitForSubscribers(1);

    const revoked = await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: apiKey.id }, keys.admin);
    assert.equal(revoked.errors, undefined, JSON.stringify(revoked.errors));
    const ended = await endOf(sub);
    assert.notEqual(ended, 'still open', 'the subscription of a revoked key is still open');
    assert.equal(closeCodeOf(ended), 4403, JSON.stringify(ended));
    assert.equal(sub.items.length, 0);
    // its place on the event bus is given back
    await waitForSubscribers(0);
    assert.ok(t.logs.some((l) => l.includes('credential no longer valid') && l.includes(keys.org.id)), 'the close is logged');
  });

  test('a subscription whose JWT expires is closed with 4403 though no event is published', async () => {
    const token = await new SignJWT({ org: keys.org.id, role: 'VIEWER' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('expiring@lab.example')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 5) // time to connect and subscribe under load first
      .sign(new TextEncoder().encode(SECRET));
    const sub = collect<{ runUpdated: { id: string } }>(client(token), SUBSCRIPTION, { id: runId });
    await waitForSubscribers(1);
    const ended = await endOf(sub);
    assert.notEqual(ended, 'still open', 'the subscription of an expired JWT is still open');
    assert.equal(closeCodeOf(ended), 4403, JSON.stringify(ended));
    await waitForSubscribers(0);
  });

  test('a connection whose key is still valid stays open through the checks and receives events', async () => {
    const ws = client(keys.viewer);
    const subs = [collect<{ runUpdated: { id: string } }>(ws, SUBSCRIPTION, { id: runId }), collect<{ runUpdated: { id: string } }>(ws, SUBSCRIPTION, { id: runId })];
    await waitForSubscribers(2);
    // nothing else runs now: lookups of the key are the periodic checks; wait for two of them
    const lookups = () => t.queries.filter((q) => /from principals where key_hash/i.test(q)).length;
    const before = lookups();
    await until('two periodic checks of the key', () => lookups() >= before + 2);

    await publishRunUpdated(t.db.db, keys.org.id, runId);
    for (const s of subs) assert.equal((await s.waitFor(1))[0].runUpdated.id, runId);
    await ws.dispose();
    await waitForSubscribers(0);
  });
});

/**
 * A JWT says when it expires, so its connection does not wait for the next periodic check (a minute by
 * default) to be closed: it is checked again when the token expires.
 */
describe('graphql-ws connection signed in with a JWT', () => {
  let t: TestApp;
  const clients: { dispose(): void | Promise<void> }[] = [];
  after(async () => {
    for (const c of clients) await c.dispose();
    await t.close();
  });

  test('is closed with 4403 when its token expires, not at the next periodic check', async () => {
    t = await startTestApp({ env: { GCT_WS_REAUTH_SECONDS: '3600', GCT_JWT_SECRET: SECRET } });
    const keys = await createOrgWithKeys(t.db, 'ws-jwt-expiry');
    assert.equal((await t.gql(`mutation { createProject(input: {code: "EX", name: "expiry"}) { id } }`, {}, keys.admin)).errors, undefined);
    const reg = await t.gql<{ registerRun: { id: string } }>(`mutation { registerRun(input: {projectCode: "EX", pipeline: "nf-core/rnaseq"}) { id } }`, {}, keys.analyst);
    const token = await new SignJWT({ org: keys.org.id, role: 'VIEWER' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('expiring@lab.example')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 5) // time to connect and subscribe under load first
      .sign(new TextEncoder().encode(SECRET));
    const ws = wsClient(t.url, token);
    clients.push(ws);
    const sub = collect<{ runUpdated: { id: string } }>(ws, SUBSCRIPTION, { id: reg.data!.registerRun.id });
    await untilSubscribers(t, 1);
    const ended = await Promise.race([sub.ended, new Promise<'still open'>((r) => setTimeout(() => r('still open'), 30_000))]);
    assert.notEqual(ended, 'still open', 'the subscription of an expired JWT is still open');
    assert.equal(closeCodeOf(ended), 4403, JSON.stringify(ended));
  });
});
