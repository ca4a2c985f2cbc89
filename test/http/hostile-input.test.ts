import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TRACE_FILES, traceFixture } from '../ingest/nextflow/helpers.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';

/** Found by a hostile-input pass over the plain-HTTP endpoints: each answered a 500, a reset connection, or a refusal naming nothing. */
describe('hostile input to the HTTP endpoints: a 4xx naming what is wrong, nothing lost', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const stored = async () => (await t.db.sql`select (select count(*) from runs)::int as runs, (select count(*) from tasks)::int as tasks`)[0];

  before(async () => {
    t = await startTestApp();
    keys = await createOrgWithKeys(t.db, 'hostile-http');
    await t.gql(`mutation { createProject(input: {code: "P", name: "p"}) { id } }`, {}, keys.admin);
  });
  after(() => t.close());

  test('a NUL character in any query parameter (name or value) is refused naming the parameter', async () => {
    // the tag filter answered 500 (jsonb refuses \u0000); the others a BAD_USER_INPUT naming no parameter
    const cases: [string, string, string][] = [
      ['GET', `/export/costs.csv?${new URLSearchParams({ 'tag.project': 'P\u0000' })}`, 'tag.project'],
      ['GET', `/export/costs.csv?${new URLSearchParams({ 'tag.a\u0000': 'v' })}`, 'tag.a\\u0000'],
      ['GET', `/export/costs.csv?${new URLSearchParams({ service: 'Storage\u0000' })}`, 'service'],
      ['GET', `/export/costs.csv?${new URLSearchParams({ groupBy: 'TAG:a\u0000' })}`, 'groupBy'],
      ['POST', `/import/trace?${new URLSearchParams({ project: 'P', runName: 'r\u0000' })}`, 'runName'],
      ['POST', `/import/costs?${new URLSearchParams({ format: 'focus', fileName: 'f\u0000.csv' })}`, 'fileName'],
    ];
    const before = await stored();
    for (const [method, path, field] of cases) {
      const res = await fetch(`${t.url}${path}`, { method, headers: { authorization: `Bearer ${keys.admin}` }, body: method === 'POST' ? traceFixture(TRACE_FILES[0]) : undefined });
      const body = (await res.json()) as { error: { code: string; message: string; field?: string } };
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, 'BAD_USER_INPUT');
      assert.equal(body.error.field, field, path);
      assert.match(body.error.message, /NUL/);
    }
    assert.deepEqual(await stored(), before);
  });

  test('a trace upload refused before its body is read (unknown tz) is answered, not cut off', async () => {
    // a file large enough that the client is still sending when the refusal comes
    const trace = traceFixture(TRACE_FILES[0]);
    const [header, ...rows] = trace.trimEnd().split('\n');
    const big = [header, ...Array.from({ length: 40 }, () => rows).flat()].join('\n');
    assert.ok(big.length > 1_000_000, `${big.length} bytes`);
    const before = await stored();
    for (const tz of ['Mars/Olympus', '']) {
      const res = await fetch(`${t.url}/import/trace?${new URLSearchParams({ project: 'P', tz })}`, { method: 'POST', headers: { authorization: `Bearer ${keys.analyst}` }, body: big });
      const body = (await res.json()) as { error: { code: string; field?: string } };
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(body.error.field, 'tz');
    }
    assert.deepEqual(await stored(), before);
  });

  test('a trace line with a date Postgres cannot store (year 0) is rejected with its line number; the other lines are imported', async () => {
    const [header, ...rows] = traceFixture(TRACE_FILES[0]).trimEnd().split('\n');
    const cols = header.split('\t');
    const submit = cols.indexOf('submit');
    assert.ok(submit >= 0);
    for (const [i, date] of ['0000-06-01 10:00:00.000', '0000-06-01T10:00:00Z'].entries()) {
      const bad = rows[1].split('\t');
      bad[submit] = date;
      const file = [header, rows[0], bad.join('\t'), rows[2]].join('\n');
      const res = await fetch(`${t.url}/import/trace?${new URLSearchParams({ project: 'P', runName: `year-zero-${i}` })}`, { method: 'POST', headers: { authorization: `Bearer ${keys.analyst}` }, body: file });
      const report = (await res.json()) as { runId: string; tasksCreated: number; rejected: { line: number; reason: string }[] };
      assert.equal(res.status, 200, JSON.stringify(report));
      assert.equal(report.tasksCreated, 2);
      assert.deepEqual(report.rejected.map((r) => r.line), [3]);
      assert.match(report.rejected[0].reason, /submit/);
      assert.match(report.rejected[0].reason, /year/);
    }
  });
});
