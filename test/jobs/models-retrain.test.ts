import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { enqueueRetrain } from '../../src/jobs/index.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';

// an API-only process: nothing works the queue, so queued jobs stay queued
let t: TestApp;
before(async () => {
  t = await startTestApp({ role: 'api' });
});
after(() => t.close());

test('retrain requests for an organization share the queued job; another organization gets its own', async () => {
  const a = await createOrgWithKeys(t.db, 'queue-a');
  const b = await createOrgWithKeys(t.db, 'queue-b');
  const first = await enqueueRetrain(t.app.boss, a.org.id);
  const again = await enqueueRetrain(t.app.boss, a.org.id);
  assert.equal(again, first);
  const viaApi = await t.gql<{ retrainModels: string }>(`mutation { retrainModels }`, {}, a.admin);
  assert.equal(viaApi.data?.retrainModels, first);
  const other = await enqueueRetrain(t.app.boss, b.org.id);
  assert.notEqual(other, first);
  const job = await t.app.boss.getJobById('models.retrain', first);
  assert.deepEqual(job?.data, { orgId: a.org.id });
});
