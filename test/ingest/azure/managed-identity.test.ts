import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CostRow } from '../../../src/ingest/costs/cost-row.js';
import { createCostManagementClient } from '../../../src/ingest/azure/cost-client.js';
import { fetchAzureCosts } from '../../../src/ingest/azure/fetch-costs.js';
import { QpuBudget } from '../../../src/ingest/azure/qpu-budget.js';
import { buildCostRows } from '../../fakes/azure/rows.js';
import { startFakeAzure, type FakeAzure } from '../../fakes/azure/server.js';

// ManagedIdentityCredential finds its token endpoint in the environment (App Service:
// IDENTITY_ENDPOINT + IDENTITY_HEADER). This file runs in its own process (node --test), so the
// variables touch no other test; they are restored anyway.
const saved = { IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: process.env.IDENTITY_HEADER };
let fake: FakeAzure;

before(async () => {
  fake = await startFakeAzure({ dataset: buildCostRows({ start: new Date('2024-04-01T00:00:00Z'), days: 1, resources: 3 }) });
  process.env.IDENTITY_ENDPOINT = fake.identityEndpoint;
  process.env.IDENTITY_HEADER = fake.identityHeader;
});
after(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await fake.close();
});

test('the managed-identity option authenticates through the real ManagedIdentityCredential', { timeout: 20_000 }, async () => {
  const client = createCostManagementClient({ armEndpoint: fake.armEndpoint, credential: { kind: 'managedIdentity' }, budget: new QpuBudget() });
  const rows: CostRow[] = [];
  for await (const row of fetchAzureCosts({ client, scope: 'subscriptions/00000000-0000-0000-0000-000000000000', from: new Date('2024-04-01T00:00:00Z'), to: new Date('2024-04-02T00:00:00Z') })) rows.push(row);

  assert.equal(rows.length, 3);
  const mi = fake.requests.find((r) => r.kind === 'managed-identity');
  assert.ok(mi, 'the token came from the managed-identity endpoint');
  assert.equal(new URL(mi.path, fake.url).searchParams.get('resource'), fake.armEndpoint);
  assert.equal(fake.requests.filter((r) => r.kind === 'token').length, 0, 'no client-credentials grant');
});
