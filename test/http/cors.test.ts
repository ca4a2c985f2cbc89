import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';

const PORTAL = 'https://portal.lab.example';

describe('CORS for a lab portal in the browser (GCT_CORS_ORIGINS)', () => {
  let t: TestApp;
  let viewer: string;
  before(async () => {
    t = await startTestApp({ env: { GCT_CORS_ORIGINS: `${PORTAL}, http://localhost:5173` } });
    viewer = (await createOrgWithKeys(t.db, 'cors-org')).viewer;
  });
  after(() => t.close());

  const preflight = (path: string, origin: string) =>
    fetch(`${t.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });

  test('a preflight from an allowed origin is answered with what the browser needs to send the call', async () => {
    // it answered 405 (no OPTIONS route): a browser page on another origin could not call the API at all
    const res = await preflight('/graphql', PORTAL);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), PORTAL);
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization/);
    assert.match(res.headers.get('vary') ?? '', /Origin/);
    // the CSV export a notebook-in-the-browser downloads
    assert.equal((await preflight('/export/costs.csv', 'http://localhost:5173')).headers.get('access-control-allow-origin'), 'http://localhost:5173');
  });

  test('the call itself carries the origin, and the page may read the request id', async () => {
    const res = await fetch(`${t.url}/graphql`, { method: 'POST', headers: { origin: PORTAL, authorization: `Bearer ${viewer}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { role } }' }) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), PORTAL);
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /x-request-id/);
    assert.deepEqual(await res.json(), { data: { me: { role: 'VIEWER' } } });
  });

  test('a query sent as GET passes both the preflight and Apollo\'s CSRF check with the header that check asks for', async () => {
    // the preflight left apollo-require-preflight out, and Apollo refuses a GET without it: no GET query from a page
    const res = await fetch(`${t.url}/graphql`, { method: 'OPTIONS', headers: { origin: PORTAL, 'access-control-request-method': 'GET', 'access-control-request-headers': 'apollo-require-preflight, authorization' } });
    assert.equal(res.status, 204);
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').split(',').map((h) => h.trim());
    assert.ok(allowed.includes('apollo-require-preflight') && allowed.includes('x-apollo-operation-name'), `allowed: ${allowed.join(', ')}`);
    const get = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ me { role } }')}`, { headers: { origin: PORTAL, authorization: `Bearer ${viewer}`, 'apollo-require-preflight': 'true' } });
    assert.equal(get.headers.get('access-control-allow-origin'), PORTAL);
    assert.deepEqual(await get.json(), { data: { me: { role: 'VIEWER' } } });
  });

  test('another origin gets no allow headers (the browser refuses), an unknown path a 404', async () => {
    const res = await preflight('/graphql', 'https://evil.example');
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    assert.equal(res.headers.get('access-control-allow-methods'), null);
    assert.equal((await preflight('/nope', PORTAL)).status, 404);
  });

  test('without the setting no CORS header is sent, and an origin that is not one is refused at start', async () => {
    const plain = await startTestApp({ db: t.db });
    try {
      const res = await fetch(`${plain.url}/graphql`, { method: 'POST', headers: { origin: PORTAL, authorization: `Bearer ${viewer}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { role } }' }) });
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    } finally {
      await plain.close();
    }
    assert.throws(() => loadConfig({ GCT_CORS_ORIGINS: 'https://portal.lab.example/' }), /GCT_CORS_ORIGINS: "https:\/\/portal.lab.example\/" is not an origin/);
    assert.deepEqual(loadConfig({ GCT_CORS_ORIGINS: '*' }).corsOrigins, ['*']);
  });
});
