import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { loadConfig } from '../../src/config.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';
import { rawWsClient } from '../support/ws-client.js';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';

describe('JWT verified against a JWKS URL', () => {
  test('a token signed by a key the JWKS publishes signs in; one signed by another key does not', async () => {
    const { generateKeyPair, exportJWK, SignJWT: Sign } = await import('jose');
    const { createServer } = await import('node:http');
    const good = await generateKeyPair('RS256');
    const bad = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(good.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const server = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const url = `http://127.0.0.1:${port}/jwks.json`;
    // the provider signs for every application it serves: without an audience the server does not start
    assert.throws(() => loadConfig({ GCT_JWT_JWKS_URL: url }), /GCT_JWT_JWKS_URL needs GCT_JWT_AUDIENCE/);
    const t = await startTestApp({ env: { GCT_JWT_JWKS_URL: url, GCT_JWT_ISSUER: 'https://idp.example', GCT_JWT_AUDIENCE: 'api://gct' } });
    try {
      const keys = await createOrgWithKeys(t.db, 'jwks-org');
      const sign = (key: Parameters<InstanceType<typeof Sign>['sign']>[0], issuer = 'https://idp.example', audience = 'api://gct') =>
        new Sign({ org: keys.org.id, role: 'VIEWER' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('bob').setIssuer(issuer).setAudience(audience).setExpirationTime('5m').sign(key);
      assert.deepEqual((await t.gql('{ me { role kind } }', {}, await sign(good.privateKey))).data!.me, { role: 'VIEWER', kind: 'USER' });
      assert.equal((await t.gql('{ me { role } }', {}, await sign(bad.privateKey))).errors?.[0].extensions?.code, 'UNAUTHENTICATED');
      assert.equal((await t.gql('{ me { role } }', {}, await sign(good.privateKey, 'https://evil.example'))).errors?.[0].extensions?.code, 'UNAUTHENTICATED');
      // a token the same provider issued to another application
      assert.equal((await t.gql('{ me { role } }', {}, await sign(good.privateKey, 'https://idp.example', 'api://other-app'))).errors?.[0].extensions?.code, 'UNAUTHENTICATED');
    } finally {
      await t.close();
      server.close();
    }
  });
});

describe('authentication and roles', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  before(async () => {
    t = await startTestApp({ env: { GCT_JWT_SECRET: SECRET } });
    keys = await createOrgWithKeys(t.db, 'auth-org');
  });
  after(() => t.close());

  const jwt = (claims: Record<string, unknown>, secret = SECRET) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('alice@lab.example').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(secret));

  test('no credential: UNAUTHENTICATED', async () => {
    const res = await t.gql('{ me { name } }');
    assert.equal(res.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
  });

  test('an unknown API key: UNAUTHENTICATED, not anonymous', async () => {
    const res = await t.gql('{ me { name } }', {}, 'gct_nothere0_secret');
    assert.equal(res.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
    assert.match(res.errors![0].message, /unknown or revoked API key/);
  });

  test('a VIEWER cannot create API keys: FORBIDDEN; an ADMIN can, and the new key works once shown', async () => {
    const q = `mutation { createApiKey(input: {name: "LIMS", role: ANALYST}) { key apiKey { prefix role } } }`;
    const denied = await t.gql(q, {}, keys.viewer);
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');
    const before = await t.db.sql`select count(*)::int as n from principals where org_id = ${keys.org.id}`;
    assert.equal(before[0].n, 3, 'the refused mutation wrote nothing');
    const ok = await t.gql(q, {}, keys.admin);
    const created = ok.data!.createApiKey;
    assert.ok(created.key.startsWith(created.apiKey.prefix));
    const stored = await t.db.sql`select key_hash from principals where key_prefix = ${created.apiKey.prefix}`;
    assert.notEqual(stored[0].key_hash, created.key, 'only the hash is stored');
    const me = await t.gql('{ me { role kind } }', {}, created.key);
    assert.deepEqual(me.data!.me, { role: 'ANALYST', kind: 'API_KEY' });
  });

  test('an ADMIN lists and revokes keys: a revoked key authenticates no one from the next request; no key revokes itself or another organization\'s', async () => {
    const created = await t.gql<{ createApiKey: { key: string; apiKey: { id: string } } }>(`mutation { createApiKey(input: {name: "notebook", role: ANALYST}) { key apiKey { id } } }`, {}, keys.admin);
    const { key, apiKey } = created.data!.createApiKey;
    assert.equal((await t.gql('{ me { role } }', {}, key)).data?.me.role, 'ANALYST');
    const revoke = `mutation($id: ID!) { revokeApiKey(id: $id) { id name revokedAt } }`;
    assert.equal((await t.gql(revoke, { id: apiKey.id }, keys.analyst)).errors?.[0].extensions?.code, 'FORBIDDEN');
    const other = await createOrgWithKeys(t.db, 'auth-other');
    assert.equal((await t.gql(revoke, { id: apiKey.id }, other.admin)).errors?.[0].extensions?.code, 'NOT_FOUND', "another organization's admin cannot revoke it");
    assert.equal((await t.gql('{ me { role } }', {}, key)).data?.me.role, 'ANALYST', 'the refused revocations changed nothing');
    const listed = await t.gql<{ apiKeys: { id: string; prefix: string; revokedAt: string | null; lastUsedAt: string | null }[] }>('{ apiKeys { id prefix lastUsedAt revokedAt } }', {}, keys.admin);
    const mine = listed.data!.apiKeys.find((k) => k.id === apiKey.id)!;
    assert.ok(key.startsWith(mine.prefix) && mine.prefix.length < key.length, 'the prefix, never the secret');
    assert.ok(mine.lastUsedAt !== null && mine.revokedAt === null);
    assert.ok(!JSON.stringify(listed).includes(key));
    assert.equal((await t.gql('{ apiKeys { id } }', {}, keys.viewer)).errors?.[0].extensions?.code, 'FORBIDDEN');

    const revoked = await t.gql<{ revokeApiKey: { id: string; revokedAt: string } }>(revoke, { id: apiKey.id }, keys.admin);
    assert.equal(revoked.data!.revokeApiKey.id, apiKey.id);
    const refused = await t.gql('{ me { role } }', {}, key);
    assert.equal(refused.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
    assert.match(refused.errors![0].message, /unknown or revoked API key/);
    // revoking again changes nothing, not even when
    const again = await t.gql<{ revokeApiKey: { revokedAt: string } }>(revoke, { id: apiKey.id }, keys.admin);
    assert.equal(again.data!.revokeApiKey.revokedAt, revoked.data!.revokeApiKey.revokedAt);

    const [{ id: adminId }] = await t.db.sql<{ id: string }[]>`select id from principals where org_id = ${keys.org.id} and kind = 'API_KEY' and role = 'ADMIN' order by created_at limit 1`;
    const self = await t.gql(revoke, { id: adminId }, keys.admin);
    assert.equal(self.errors?.[0].extensions?.code, 'BAD_USER_INPUT', 'a key cannot revoke itself');
    assert.equal((await t.gql('{ me { role } }', {}, keys.admin)).data?.me.role, 'ADMIN');
  });

  test('a revoked key, an unknown key or an expired JWT cannot open a graphql-ws connection: 4403 before any ack', async () => {
    const created = await t.gql<{ createApiKey: { key: string; apiKey: { id: string } } }>(`mutation { createApiKey(input: {name: "to revoke", role: ADMIN}) { key apiKey { id } } }`, {}, keys.admin);
    const { key, apiKey } = created.data!.createApiKey;
    assert.equal((await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: apiKey.id }, keys.admin)).errors, undefined);
    const expired = await new SignJWT({ org: keys.org.id, role: 'ADMIN' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice@lab.example')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 1)
      .sign(new TextEncoder().encode(SECRET));
    for (const credential of [key, 'gct_nothere0_secret', expired]) {
      const ws = await rawWsClient(t.url, credential);
      const closed = await Promise.race([ws.closed, new Promise<'still open'>((r) => setTimeout(() => r('still open'), 30_000))]);
      if (closed === 'still open') ws.ws.close();
      assert.equal(ws.messages.find((m) => m.type === 'connection_ack'), undefined, 'acknowledged');
      assert.notEqual(closed, 'still open');
      assert.equal(closed !== 'still open' && closed.code, 4403);
    }
    // the same socket with a valid key is acknowledged
    const ok = await rawWsClient(t.url, keys.viewer);
    assert.ok(ok.messages.some((m) => m.type === 'connection_ack'));
    ok.ws.close();
  });

  test('an ANALYST may register runs but not create projects', async () => {
    const res = await t.gql(`mutation { createProject(input: {code: "X", name: "x"}) { id } }`, {}, keys.analyst);
    assert.equal(res.errors?.[0].extensions?.code, 'FORBIDDEN');
  });

  test('a JWT with org and role claims signs a user in', async () => {
    const token = await jwt({ org: keys.org.id, role: 'ANALYST', name: 'Alice' });
    const res = await t.gql('{ me { name role kind organization { slug } } }', {}, token);
    assert.deepEqual(res.data!.me, { name: 'Alice', role: 'ANALYST', kind: 'USER', organization: { slug: 'auth-org' } });
  });

  test('a JWT without an expiry is refused, however it is signed', async () => {
    const key = new TextEncoder().encode(SECRET);
    for (const token of [
      await new SignJWT({ org: keys.org.id, role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').sign(key),
      await new SignJWT({ org: keys.org.id, role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setIssuedAt(0).sign(key),
    ]) {
      const res = await t.gql('{ me { name } }', {}, token);
      assert.equal(res.errors?.[0].extensions?.code, 'UNAUTHENTICATED');
      assert.match(res.errors![0].message, /exp/);
    }
  });

  test('a JWT signed with another secret, or naming an unknown org or role, is refused', async () => {
    for (const token of [
      await jwt({ org: keys.org.id, role: 'ADMIN' }, 'another-secret-that-is-also-long-enough!!'),
      await jwt({ org: '00000000-0000-4000-8000-000000000000', role: 'ADMIN' }),
      await jwt({ org: 'not-an-organization-id', role: 'ADMIN' }),
      await jwt({ org: keys.org.id, role: 'ROOT' }),
      // a name every object has, not a role
      await jwt({ org: keys.org.id, role: 'constructor' }),
    ]) {
      const res = await t.gql('{ me { name } }', {}, token);
      assert.equal(res.errors?.[0].extensions?.code, 'UNAUTHENTICATED', JSON.stringify(res));
    }
  });
});
