import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../support/app.js';

describe('a worker process (GCT_ROLE=worker)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ role: 'worker' });
  });
  after(() => t.close());

  test('answers the health checks an orchestrator asks, and serves no API', async () => {
    // it served nothing at all: a liveness probe on a worker could only fail
    assert.ok(t.app.health, 'a worker has a health server');
    assert.equal(t.app.http, undefined);
    const health = await fetch(`${t.app.health.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${t.app.health.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: 'ok', queue: 'ok' } });
    assert.equal((await fetch(`${t.app.health.url}/graphql`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${t.app.health.url}/nextflow/weblog`, { method: 'POST' })).status, 404);
  });
});
