import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { AppError, httpStatusOf } from '../../src/errors.js';
import { costUploadHandler } from '../../src/http/cost-upload.js';
import { sendJson } from '../../src/http/router.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fixturePath } from '../support/fixtures.js';

/** The upload handler alone, with a size limit, behind a bare server that maps errors as the app's does. */
describe('cost upload size limit', () => {
  let t: TestDatabase;
  let server: Server;
  let url: string;
  let orgId: string;
  const focus = readFileSync(fixturePath('focus-sample', 'focus_sample.csv'));

  before(async () => {
    t = await createTestDatabase();
    orgId = (await createOrganization(t.db, { name: 'Limit', slug: 'limit' })).organization.id;
    const handler = costUploadHandler(
      { database: t, viewerOf: async () => ({ orgId, principalId: '00000000-0000-4000-8000-000000000001', role: 'ANALYST', kind: 'API_KEY', name: 'k' }) },
      { maxBytes: 100_000 },
    );
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

  const count = async () => (await t.sql`select count(*)::int as n from cost_records where org_id = ${orgId}`)[0].n as number;

  test('a declared body over the limit is refused at once with 413', async () => {
    const res = await fetch(`${url}?fileName=big.csv`, { method: 'POST', body: focus });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
  });

  test('a streamed body that passes the limit part-way fails the import: 413, nothing loaded, the import FAILED', async () => {
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < focus.length; i += 16_384) controller.enqueue(focus.subarray(i, i + 16_384));
        controller.close();
      },
    });
    const res = await fetch(`${url}?fileName=streamed.csv`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal(await count(), 0);
    const [imp] = await t.sql`select status, error from imports where org_id = ${orgId} and file_name = 'streamed.csv'`;
    assert.equal(imp.status, 'FAILED');
    assert.match(imp.error, /larger than 100000 bytes/);
  });

  test('a body under the limit imports', async () => {
    const small = focus.subarray(0, focus.indexOf('\n', 50_000) + 1);
    const res = await fetch(`${url}?fileName=small.csv`, { method: 'POST', body: small });
    assert.equal(res.status, 200, await res.clone().text());
    const report = (await res.json()) as { rowsLoaded: number };
    assert.ok(report.rowsLoaded > 0);
    assert.equal(await count(), report.rowsLoaded);
  });
});
