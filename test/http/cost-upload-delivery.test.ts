import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { AppError, httpStatusOf } from '../../src/errors.js';
import { costUploadHandler } from '../../src/http/cost-upload.js';
import { sendJson } from '../../src/http/router.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/** An Azure EA export of one day split in two parts: three instances of a scale set, identical in every column read. */
const HEADER = 'SubscriptionId,Date,MeterCategory,MeterName,MeterId,Quantity,Cost,BillingCurrency,ResourceId,AdditionalInfo,ChargeType,BillingPeriodStartDate,BillingPeriodEndDate';
const vm = (n: number) =>
  `11111111-2222-3333-4444-555555555555,09/04/2023,Virtual Machines,D4s v3,m1,24,4.608,USD,/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/batch-rg/providers/Microsoft.Compute/virtualMachineScaleSets/pool-vmss,"{""VMName"":""pool-vmss_${n}""}",Usage,09/01/2023,09/30/2023`;
const parts = [`${[HEADER, vm(0), vm(1)].join('\n')}\n`, `${[HEADER, vm(2)].join('\n')}\n`];

/** The upload handler behind a bare server that maps errors as the app's does. */
describe('cost upload of the parts of one delivery', () => {
  let t: TestDatabase;
  let server: Server;
  let url: string;
  let orgId: string;

  before(async () => {
    t = await createTestDatabase();
    orgId = (await createOrganization(t.db, { name: 'Parts', slug: 'parts' })).organization.id;
    const handler = costUploadHandler({ database: t, viewerOf: async () => ({ orgId, principalId: '00000000-0000-4000-8000-000000000001', role: 'ANALYST', kind: 'API_KEY', name: 'k' }) });
    server = createServer((req, res) => {
      const rc = { req, res, url: new URL(req.url ?? '/', 'http://localhost'), requestId: 'r', log: pino({ level: 'silent' }) };
      handler(rc).catch((err: unknown) => {
        if (err instanceof AppError) sendJson(res, httpStatusOf(err.code), { error: { code: err.code, message: err.message } });
        else sendJson(res, 500, { error: { message: String(err) } });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/import/costs`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.drop();
  });

  const stored = async () => (await t.sql<{ n: number; total: string | null }[]>`select count(*)::int as n, sum(billed_cost)::text as total from cost_records where org_id = ${orgId}`)[0];

  test('a delivery without fileName is refused with 400 naming fileName, and stores nothing', async () => {
    for (const part of parts) {
      const res = await fetch(`${url}?replace=true&delivery=run-1`, { method: 'POST', body: part });
      assert.equal(res.status, 400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(error.code, 'BAD_USER_INPUT');
      assert.match(error.message, /^fileName: is required with delivery/);
    }
    // an empty name is no name
    assert.equal((await fetch(`${url}?replace=true&delivery=run-1&fileName=`, { method: 'POST', body: parts[0] })).status, 400);
    assert.deepEqual(await stored(), { n: 0, total: null });
  });

  test('the parts under their own names add up: every instance counts', async () => {
    for (const [i, part] of parts.entries()) {
      const res = await fetch(`${url}?replace=true&delivery=run-1&fileName=part_${i}_0001.csv`, { method: 'POST', body: part });
      assert.equal(res.status, 200, await res.clone().text());
    }
    assert.deepEqual(await stored(), { n: 3, total: '13.824' });
  });
});
