import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { TRACE_FILES, traceFixture } from '../ingest/nextflow/helpers.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';

const randomHex = (n: number) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
/** `n` control characters, none a CSV delimiter or line break: each is six bytes in JSON (\u0001). */
const controlChars = (n: number) => [...randomBytes(n)].map((b) => String.fromCharCode([1, 2, 3, 4, 5, 6, 7, 8, 11, 14, 15, 16][b % 12])).join('');

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
  // Postgres refuses a btree entry past ~2,700 bytes and failed the whole statement: each of these answered 500
  describe('a value too long for an index key (MAX_KEY_BYTES, in UTF-8 bytes)', () => {
    const long = (n = 10_000) => 'é'.repeat(Math.ceil(n / 2)).slice(0, n / 2) + randomHex(n / 2);
    const weblog = (body: object) => fetch(`${t.url}/nextflow/weblog`, { method: 'POST', headers: { authorization: `Bearer ${keys.analyst}` }, body: JSON.stringify(body) });
    const started = (runName: string, runId: string, workflow: object = {}) => ({
      runName, runId, event: 'started', utcTime: '2024-06-01T10:00:00Z', metadata: { parameters: {}, workflow: { start: '2024-06-01T10:00:00Z', ...workflow } },
    });

    test('a weblog run name or session id is refused with 400 naming the field; a multi-byte one is measured in bytes', async () => {
      const before = await stored();
      // 300 characters of 3 bytes each: 900 bytes, past the limit though far fewer characters
      for (const [field, body] of [
        ['runName', started(long(), crypto.randomUUID())],
        ['runId', started('r', long())],
        ['runName', started('€'.repeat(300), crypto.randomUUID())],
      ] as const) {
        const res = await weblog(body);
        const answer = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(res.status, 400, JSON.stringify(answer).slice(0, 300));
        assert.equal(answer.error.code, 'BAD_USER_INPUT');
        assert.match(answer.error.message, new RegExp(`field "${field}" must be at most 800 bytes`));
      }
      assert.deepEqual(await stored(), before);
      const ok = await weblog(started('€'.repeat(266), crypto.randomUUID()));
      assert.equal(ok.status, 200, 'a run name of 798 bytes is taken');
    });

    test('a weblog pipeline name, revision, process or queue is left out with a warning naming it; the rest of the event is stored', async () => {
      const runId = crypto.randomUUID();
      const res = await weblog(started('long-names', runId, { manifest: { name: long(), version: '1' }, revision: long() }));
      const answer = (await res.json()) as { runId: string; warnings: string[] };
      assert.equal(res.status, 200, JSON.stringify(answer).slice(0, 300));
      assert.equal(answer.warnings.length, 2, answer.warnings.join('\n'));
      assert.match(answer.warnings[0], /"metadata\.workflow\.revision" must be at most 800 bytes .*; left out/);
      assert.match(answer.warnings[1], /"metadata\.workflow\.manifest\.name" must be at most 800 bytes .*; left out/);
      const [run] = await t.db.sql`select status, pipeline_id, started_at from runs where id = ${answer.runId}`;
      assert.equal(run.status, 'RUNNING');
      assert.equal(run.pipeline_id, null);
      assert.ok(run.started_at);

      const task = (taskId: number, trace: object) => weblog({ runName: 'long-names', runId, event: 'process_submitted', utcTime: '2024-06-01T10:00:00Z', trace: { task_id: taskId, status: 'SUBMITTED', submit: 1717236000000, ...trace } });
      for (const [taskId, trace, field] of [
        [1, { process: long(), name: 'P (1)' }, 'trace.process'],
        [2, { name: `${long()} (2)` }, 'trace.name'],
        [3, { process: 'P', queue: long() }, 'trace.queue'],
      ] as const) {
        const r = await task(taskId, trace);
        const a = (await r.json()) as { taskCreated: boolean; warnings: string[] };
        assert.equal(r.status, 200, JSON.stringify(a).slice(0, 300));
        assert.equal(a.taskCreated, true);
        assert.equal(a.warnings.length, 1);
        assert.match(a.warnings[0], new RegExp(`field "${field.replace('.', '\\.')}".*must be at most 800 bytes.*; left out`));
      }
      // task 1's process, left out, is read from its name as when Nextflow sends none
      const tasks = await t.db.sql`select task_id, process, pool, status from tasks where run_id = ${answer.runId} order by task_id`;
      assert.deepEqual(tasks.map((r) => [r.task_id, r.process, r.pool, r.status]), [[1, 'P', null, 'SUBMITTED'], [2, null, null, 'SUBMITTED'], [3, 'P', null, 'SUBMITTED']]);
    });

    test('a trace line with a long process, queue or task name is rejected with its line number; the other lines are imported', async () => {
      const header = 'task_id\tprocess\tname\tstatus\tsubmit\tqueue';
      const line = (id: number, process: string, name: string, queue: string) => `${id}\t${process}\t${name}\tCOMPLETED\t2024-06-01 10:00:00.000\t${queue}`;
      for (const [i, bad, column] of [
        [0, line(2, long(), 'P (2)', 'q'), 'process'],
        [1, line(2, 'P', 'P (2)', long()), 'queue'],
        [2, line(2, '-', `${long()} (2)`, 'q'), 'name'],
      ] as const) {
        const file = [header, line(1, 'P', 'P (1)', 'q'), bad, line(3, 'P', 'P (3)', 'q')].join('\n');
        const res = await fetch(`${t.url}/import/trace?${new URLSearchParams({ project: 'P', runName: `long-${i}` })}`, { method: 'POST', headers: { authorization: `Bearer ${keys.analyst}` }, body: file });
        const report = (await res.json()) as { tasksCreated: number; rejected: { line: number; reason: string }[] };
        assert.equal(res.status, 200, JSON.stringify(report).slice(0, 300));
        assert.equal(report.tasksCreated, 2);
        assert.deepEqual(report.rejected.map((r) => r.line), [3]);
        assert.match(report.rejected[0].reason, new RegExp(`column "${column}".*must be at most 800 bytes`));
      }
    });

    test('a cost line with a long account, service or tag is quarantined naming the field; a replacing import is refused naming it', async () => {
      const header = 'BilledCost,ChargePeriodStart,ChargePeriodEnd,BillingPeriodStart,BillingPeriodEnd,BillingCurrency,ProviderName,SubAccountId,BillingAccountId,ResourceId,ServiceName,ChargeCategory,Tags';
      const line = (day: number, f: { sub?: string; ba?: string; svc?: string; tags?: object }) =>
        `1,2024-09-0${day}T00:00:00Z,2024-09-0${day + 1}T00:00:00Z,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,USD,Microsoft,${f.sub ?? '/subscriptions/1'},${f.ba ?? 'ba'},/r/${day},${f.svc ?? 'Storage'},Usage,"${JSON.stringify(f.tags ?? {}).replaceAll('"', '""')}"`;
      const cases = [
        [{ sub: long() }, /^SubAccountId: must be at most 800 bytes/],
        [{ ba: long() }, /^BillingAccountId: must be at most 800 bytes/],
        [{ svc: long() }, /^ServiceName: must be at most 800 bytes/],
        [{ tags: { [long()]: 'v' } }, /^Tags: a tag key must be at most 800 bytes/],
        [{ tags: { project: long() } }, /^Tags: the value of tag "project" must be at most 800 bytes/],
        // each within 800 bytes, but six bytes a character once escaped in the scope key (a JSON array):
        // a replacing import failed at the file coverage's primary key (500)
        [{ sub: controlChars(700), ba: controlChars(700) }, /^ProviderName, BillingAccountId and SubAccountId: written as the bill's scope .* must be at most 2416 bytes/],
      ] as const;
      for (const [i, [fields, reason]] of cases.entries()) {
        const file = [header, line(2, {}), line(3, fields), line(4, {})].join('\n');
        for (const replace of ['false', 'true']) {
          const res = await fetch(`${t.url}/import/costs?${new URLSearchParams({ format: 'focus', replace, fileName: `long-${i}-${replace}.csv` })}`, { method: 'POST', headers: { authorization: `Bearer ${keys.admin}` }, body: file });
          const answer = (await res.json()) as { rowsLoaded: number; rowsUnchanged: number; rowsQuarantined: number; quarantined?: { line: number; reason: string }[]; error?: { code: string; message: string } };
          if (replace === 'true') {
            // a replacing import must read every line: refused whole, naming the line and field
            assert.equal(res.status, 400, JSON.stringify(answer).slice(0, 300));
            assert.match(answer.error!.message, new RegExp(`line 3: ${reason.source.slice(1)}`));
            continue;
          }
          assert.equal(res.status, 200, JSON.stringify(answer).slice(0, 300));
          assert.equal(answer.rowsLoaded + answer.rowsUnchanged, 2);
          assert.equal(answer.rowsQuarantined, 1);
          const [reject] = await t.db.sql`select line, reason from import_rejects r join imports i on i.id = r.import_id where i.file_name = ${`long-${i}-false.csv`}`;
          assert.equal(reject.line, 3);
          assert.match(reject.reason, reason);
        }
      }
    });
  });
});
