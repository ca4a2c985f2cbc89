import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';
import { fixturePath } from '../support/fixtures.js';

describe('GCT_MAX_UPLOAD_BYTES', () => {
  test('defaults to 2 GiB and refuses values that are not a byte count', () => {
    assert.equal(loadConfig({}).maxUploadBytes, 2 * 1024 ** 3);
    assert.equal(loadConfig({ GCT_MAX_UPLOAD_BYTES: '5000000' }).maxUploadBytes, 5_000_000);
    for (const bad of ['2GiB', '-1', '1.5', '10']) {
      assert.throws(() => loadConfig({ GCT_MAX_UPLOAD_BYTES: bad }), (err: unknown) => err instanceof ConfigError && /GCT_MAX_UPLOAD_BYTES/.test(err.message));
    }
  });

  describe('on the running server', () => {
    let t: TestApp;
    let analyst: string;
    let admin: string;
    const focus = readFileSync(fixturePath('focus-sample', 'focus_sample.csv'));
    const upload = (body: Buffer, fileName: string) =>
      fetch(`${t.url}/import/costs?fileName=${fileName}`, { method: 'POST', headers: { authorization: `Bearer ${analyst}`, 'content-type': 'text/csv' }, body });

    before(async () => {
      t = await startTestApp({ env: { GCT_MAX_UPLOAD_BYTES: '100000' } });
      ({ analyst, admin } = await createOrgWithKeys(t.db, 'upload-limit'));
    });
    after(() => t.close());

    test('a cost file over the limit gets 413 and a JSON error naming the limit and the setting; nothing is loaded', async () => {
      assert.ok(focus.length > 100_000, 'fixture larger than the limit');
      const res = await upload(focus, 'big.csv');
      assert.equal(res.status, 413);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'PAYLOAD_TOO_LARGE');
      assert.match(body.error.message, /larger than 100000 bytes.*GCT_MAX_UPLOAD_BYTES/);
      const [{ n }] = await t.db.sql`select count(*)::int as n from cost_records`;
      assert.equal(n, 0);
    });

    test('a trace file over the limit gets 413 naming the setting, and stores no run or task', async () => {
      const trace = readFileSync(fixturePath('nextflow-traces', 'openproblems', 'execution_trace_2022-05-15.txt'));
      assert.ok(trace.length > 100_000, 'fixture larger than the limit');
      const created = await t.gql(`mutation { createProject(input: {code: "T", name: "t"}) { id } }`, {}, admin);
      assert.equal(created.errors, undefined, JSON.stringify(created.errors));
      const res = await fetch(`${t.url}/import/trace?project=T&runName=too-big`, { method: 'POST', headers: { authorization: `Bearer ${analyst}` }, body: trace });
      assert.equal(res.status, 413, await res.clone().text());
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'PAYLOAD_TOO_LARGE');
      assert.match(body.error.message, /trace file is larger than 100000 bytes.*GCT_MAX_UPLOAD_BYTES/);
      const [{ runs, tasks }] = await t.db.sql`select (select count(*)::int from runs) as runs, (select count(*)::int from tasks) as tasks`;
      assert.deepEqual([runs, tasks], [0, 0]);
      // under the limit, the same endpoint imports
      const small = trace.subarray(0, trace.indexOf('\n', 50_000) + 1);
      const ok = await fetch(`${t.url}/import/trace?project=T&runName=small`, { method: 'POST', headers: { authorization: `Bearer ${analyst}` }, body: small });
      assert.equal(ok.status, 200, await ok.clone().text());
      assert.ok(((await ok.json()) as { tasksCreated: number }).tasksCreated > 0);
    });

    test('a cost file under the limit imports', async () => {
      const small = focus.subarray(0, focus.indexOf('\n', 50_000) + 1);
      const res = await upload(small, 'small.csv');
      assert.equal(res.status, 200, await res.clone().text());
      assert.ok(((await res.json()) as { rowsLoaded: number }).rowsLoaded > 0);
    });
  });
});
