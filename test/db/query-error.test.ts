import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { sqlStateOf } from '../../src/db/invalid-value.js';
import { describeError, errorText, MAX_ERROR_TEXT, redactedError } from '../../src/db/query-error.js';
import { parseWeblogEvent } from '../../src/ingest/nextflow/index.js';
import { enqueueDeferredWeblogEvent, WEBLOG_DEFERRED_QUEUE } from '../../src/jobs/weblog-deferred-queue.js';
import { createLogger } from '../../src/logger.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';

// A failed query's message, as Drizzle writes it, is the SQL and then every parameter: a model's state,
// a webhook URL's token, a lab's tag values. None of it may reach a log line, a job's stored output, an
// import's report or a GraphQL answer; what names the problem (SQLSTATE, constraint, Postgres's words) stays.

const secret = (label: string, length: number) => `${label}-${randomUUID()}-`.padEnd(length, 'S');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('errors of failed queries', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ env: { GCT_SECRET_KEY: randomBytes(32).toString('hex'), GCT_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  });
  after(() => t.close());

  test('a failed query is described by Postgres, its SQLSTATE and constraint, without its parameters, and bounded', async () => {
    const big = secret('state', 3 << 20);
    await t.db.db.execute(sql`create table refuses_big (state text constraint refuses_big_state check (length(state) < 10))`);
    const err = await t.db.db.execute(sql`insert into refuses_big (state) values (${big})`).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof Error && err.message.includes(big), 'Drizzle quotes the parameter in its message');

    for (const text of [errorText(err), JSON.stringify(describeError(err)), JSON.stringify(redactedError(err)), redactedError(err).stack ?? '']) {
      assert.ok(!text.includes(big.slice(0, 60)), `the parameter is left out: ${text.slice(0, 300)}`);
      assert.ok(text.length <= 3 * MAX_ERROR_TEXT + 4096, `bounded: ${text.length} characters`);
    }
    assert.ok(errorText(err).length <= MAX_ERROR_TEXT);
    assert.match(errorText(err), /violates check constraint "refuses_big_state"/);
    assert.match(errorText(err), /SQLSTATE 23514/);
    assert.match(errorText(err), /insert into refuses_big/);
    assert.equal(describeError(err).constraint, 'refuses_big_state');
    // the original keeps its cause for code that branches on it, and the stand-in keeps the code
    assert.equal(sqlStateOf(err), '23514');
    assert.equal(sqlStateOf(redactedError(err)), '23514');
    // the message alone, as a worker thread passes it on or a wrapper quotes it
    const quoted = errorText(new Error(`while storing: ${err.message}`));
    assert.ok(!quoted.includes(big.slice(0, 60)) && quoted.length <= MAX_ERROR_TEXT, quoted.slice(0, 300));
    assert.match(quoted, /^while storing: Failed query: insert into refuses_big/);
  });

  test('a job whose handler fails a query stores, and logs, a bounded description without the parameters', async () => {
    // a deferred weblog event for an organization that is gone: storing its run fails on the
    // database, with the event's run name and params (here a megabyte) among the query's parameters
    // (a run name is at most MAX_KEY_BYTES: the event would be refused before any query)
    const runName = secret('run-name', 700);
    const input = secret('param', 1 << 20);
    const now = new Date().toISOString();
    const event = parseWeblogEvent({ runName, runId: randomUUID(), event: 'started', utcTime: now, metadata: { parameters: { input }, workflow: { runName, start: now } } });
    const from = t.logs.length;
    const jobId = await enqueueDeferredWeblogEvent(t.db.sql, randomUUID(), randomUUID(), event);
    assert.ok(jobId);
    let job: { state: string; output: unknown } | undefined;
    for (let i = 0; i < 300 && !(job && job.output !== null); i++) {
      await sleep(100);
      [job] = await t.db.sql<{ state: string; output: unknown }[]>`select state, output from pgboss.job where name = ${WEBLOG_DEFERRED_QUEUE} and id = ${jobId}`;
    }
    assert.ok(job && ['retry', 'failed'].includes(job.state), `the job failed: ${JSON.stringify(job)?.slice(0, 300)}`);
    const output = JSON.stringify(job.output);
    assert.ok(!output.includes(runName.slice(0, 60)) && !output.includes(input.slice(0, 60)), `the job's output holds no parameter: ${output.slice(0, 500)}`);
    assert.ok(output.length < 16_384, `the job's output is bounded: ${output.length} characters`);
    assert.match(output, /SQLSTATE 2350[23]/, 'the output still says what Postgres refused');
    assert.match(output, /insert into \\"runs\\"/, 'and in which query');

    const lines = t.logs.slice(from);
    const failed = lines.find((l) => l.includes('job failed') && l.includes(jobId));
    assert.ok(failed, 'the failure is logged');
    assert.ok(failed.length < 16_384, `the log line is bounded: ${failed.length} characters`);
    assert.match(failed, /2350[23]/);
    assert.ok(!lines.join('').includes(runName.slice(0, 60)) && !lines.join('').includes(input.slice(0, 60)), 'no log line holds the parameter');
  });

  test('a mutation whose query fails answers a masked internal error, and the log line holds no parameter', async () => {
    const keys = await createOrgWithKeys(t.db, 'query-error-hooks');
    const token = secret('xoxb', 1500);
    // the database refuses every new channel (an unforeseen failure, as far as the server knows)
    await t.db.db.execute(sql`alter table webhook_channels add constraint refuses_new_channels check (false) not valid`);
    try {
      const from = t.logs.length;
      const res = await t.gql(
        `mutation($input: CreateWebhookChannelInput!) { createWebhookChannel(input: $input) { secret } }`,
        { input: { name: 'ops', url: `http://127.0.0.1:9/services/${token}` } },
        keys.admin,
      );
      const answer = JSON.stringify(res);
      assert.equal(res.errors?.[0]?.extensions?.code, 'INTERNAL_SERVER_ERROR', answer.slice(0, 500));
      assert.equal(res.errors?.[0]?.message, 'internal error');
      assert.ok(!answer.includes(token.slice(0, 40)) && !/insert into/i.test(answer), answer.slice(0, 500));

      const logged = t.logs.slice(from).join('');
      assert.match(logged, /unexpected error in GraphQL execution/);
      assert.match(logged, /refuses_new_channels/, 'the log names the constraint');
      assert.ok(!logged.includes(token.slice(0, 40)), `the log holds no parameter: ${logged.slice(0, 500)}`);
      const line = t.logs.slice(from).find((l) => l.includes('unexpected error in GraphQL execution'))!;
      assert.ok(line.length < 16_384, `the log line is bounded: ${line.length} characters`);
    } finally {
      await t.db.db.execute(sql`alter table webhook_channels drop constraint refuses_new_channels`);
    }
  });

  test('a trace import whose query fails records a bounded report without the file\'s values, and answers without them', async () => {
    const keys = await createOrgWithKeys(t.db, 'query-error-trace');
    const tag = secret('patient', 300);
    const header = 'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tduration\trealtime\t%cpu\tpeak_rss\tpeak_vmem\trchar\twchar';
    const rows = Array.from({ length: 50 }, (_, i) => `${i + 1}\t09/f496c${i % 10}\t${23000 + i}\trun_method (${tag}-${i})\tCOMPLETED\t0\t2021-03-04 21:06:07.625\t13.9s\t2.5s\t97.8%\t218 MB\t895 MB\t28.3 MB\t468 B`);
    await t.db.db.execute(sql`alter table tasks add constraint refuses_new_tasks check (false) not valid`);
    try {
      const from = t.logs.length;
      const res = await fetch(`${t.url}/import/trace?fileName=t.txt`, { method: 'POST', headers: { authorization: `Bearer ${keys.analyst}`, 'content-type': 'text/plain' }, body: [header, ...rows].join('\n') });
      const body = await res.text();
      assert.equal(res.status, 500, body);
      assert.ok(!body.includes(tag.slice(0, 40)), body);

      const [report] = await t.db.sql<{ status: string; error: string }[]>`select status, error from imports where org_id = ${keys.org.id} and kind = 'TRACE'`;
      assert.equal(report?.status, 'FAILED');
      assert.ok(!report.error.includes(tag.slice(0, 40)), `the report holds none of the file's values: ${report.error.slice(0, 500)}`);
      assert.ok(report.error.length <= MAX_ERROR_TEXT, `the report is bounded: ${report.error.length} characters`);
      assert.match(report.error, /refuses_new_tasks/);
      assert.ok(!t.logs.slice(from).join('').includes(tag.slice(0, 40)), 'no log line holds the file\'s values');
    } finally {
      await t.db.db.execute(sql`alter table tasks drop constraint refuses_new_tasks`);
    }
  });
  test('the logger writes a failed query without its parameters however it is handed the error', async () => {
    const value = secret('api-key', 64 << 10);
    const err = await t.db.db.execute(sql`select ${value}::int`).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof Error && err.message.includes(value));
    const lines: string[] = [];
    const log = createLogger('info', new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) })).child({ job: 'x' });
    log.error(err);
    log.error({ err });
    // pg-boss's 'error' event: the error spread into a plain object, every enumerable field with it
    log.error({ err: { ...err, message: err.message, stack: err.stack, queue: 'q' } }, 'pg-boss error');
    log.error({ error: err.message }, 'a message handed on as text');
    assert.equal(lines.length, 4);
    for (const line of lines) {
      assert.ok(line.length < 16_384, `bounded: ${line.length} characters`);
      assert.ok(!line.includes(value.slice(0, 40)), line.slice(0, 300));
      assert.match(line, /parameters left out/);
    }
    for (const line of lines.slice(0, 3)) {
      // Postgres quotes the value it could not read in its own message: the message stays, the value goes
      assert.match(line, /invalid input syntax for type integer: \\"…\\" \(SQLSTATE 22P02\)/);
    }
    assert.ok(lines.slice(0, 3).every((l) => JSON.parse(l).err.code === '22P02'), 'the SQLSTATE is kept');
  });
});
