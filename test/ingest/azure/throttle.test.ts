import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import type { CostRow } from '../../../src/ingest/costs/cost-row.js';
import { fetchAzureCosts } from '../../../src/ingest/azure/fetch-costs.js';
import { sleep } from '../../../src/ingest/azure/abort.js';
import { CostManagementThrottledError, longestRetryAfterMs } from '../../../src/ingest/azure/throttle.js';
import { costClientForFake } from '../../fakes/azure/clients.js';
import { buildCostRows } from '../../fakes/azure/rows.js';
import { startFakeAzure, type FakeAzure } from '../../fakes/azure/server.js';

const SCOPE = 'subscriptions/00000000-0000-0000-0000-000000000000';
const FROM = new Date('2024-04-01T00:00:00Z');
const TO = new Date('2024-04-03T00:00:00Z');

async function collect(gen: AsyncGenerator<CostRow>): Promise<CostRow[]> {
  const out: CostRow[] = [];
  for await (const row of gen) out.push(row);
  return out;
}

describe('longestRetryAfterMs', () => {
  test('takes the longest of the Cost Management headers and Retry-After, in seconds', () => {
    const headers = createHttpHeaders({
      'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '2',
      'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after': '1',
      'x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after': '7',
      'retry-after': '3',
      'x-ms-ratelimit-microsoft.costmanagement-qpu-remaining': 'QueryResource=0',
    });
    assert.equal(longestRetryAfterMs(headers), 7000);
  });

  test('reads retry-after-ms in ms and an HTTP-date Retry-After; none -> undefined', () => {
    assert.equal(longestRetryAfterMs(createHttpHeaders({ 'retry-after-ms': '1500', 'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after': '1' })), 1500);
    const now = Date.parse('2024-01-01T00:00:00Z');
    assert.equal(longestRetryAfterMs(createHttpHeaders({ 'retry-after': 'Mon, 01 Jan 2024 00:00:04 GMT' }), now), 4000);
    assert.equal(longestRetryAfterMs(createHttpHeaders({ 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': 'soon' })), undefined);
    assert.equal(longestRetryAfterMs(createHttpHeaders({})), undefined);
  });
});

describe('429 handling through the SDK pipeline', () => {
  let fake: FakeAzure;
  before(async () => {
    fake = await startFakeAzure({ dataset: buildCostRows({ start: FROM, days: 2, resources: 2 }) });
  });
  after(async () => {
    await fake.close();
  });

  /** One throttled query and its retry: the gap the fake saw between them, and the waits the throttle policy slept. */
  async function retryGap(headers: Record<string, string>): Promise<{ gapMs: number; waits: number[]; rows: number }> {
    const before = fake.requests.length;
    fake.throttleNext(1, headers);
    const waits: number[] = [];
    const throttle = { sleep: (ms: number, signal?: Parameters<typeof sleep>[1]) => (waits.push(ms), sleep(ms, signal)) };
    const rows = await collect(fetchAzureCosts({ client: costClientForFake(fake, { throttle }), scope: SCOPE, from: FROM, to: TO }));
    const queries = fake.requests.slice(before).filter((r) => r.kind === 'query');
    assert.deepEqual(queries.map((q) => q.status), [429, 200]);
    return { gapMs: queries[1].at - queries[0].at, waits, rows: rows.length };
  }

  test('waits for the longest header (qpu 2 s over entity 1 s), then succeeds', { timeout: 15_000 }, async () => {
    const { gapMs, waits, rows } = await retryGap({
      'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '2',
      'x-ms-ratelimit-microsoft.costmanagement-entity-retry-after': '1',
    });
    assert.equal(rows, 4);
    assert.ok(gapMs >= 1990, `retried after ${Math.round(gapMs)} ms, before the 2 s the QPU header asked for`);
    // what it waited, read off rather than timed (a loaded machine stretches the gap the fake sees)
    assert.deepEqual(waits, [2000], 'one wait, the longest header: not the sum of them');
  });

  test("a shorter plain Retry-After does not let the SDK's own retry policy come back early", { timeout: 15_000 }, async () => {
    // alone, the SDK's throttling strategy would honour only `retry-after: 1`
    const { gapMs } = await retryGap({
      'retry-after': '1',
      'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '2',
    });
    assert.ok(gapMs >= 1990, `retried after ${Math.round(gapMs)} ms`);
  });

  test('gives up after maxAttempts with CostManagementThrottledError; attempts are not multiplied by the SDK retry', { timeout: 15_000 }, async () => {
    const before = fake.requests.length;
    fake.throttleNext(10, { 'retry-after': '0', 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '0' });
    await assert.rejects(
      collect(fetchAzureCosts({ client: costClientForFake(fake, { throttle: { maxAttempts: 3 } }), scope: SCOPE, from: FROM, to: TO })),
      (error: unknown) => error instanceof CostManagementThrottledError && error.attempts === 3 && /after 3 attempts/.test(error.message),
    );
    assert.equal(fake.requests.slice(before).filter((r) => r.kind === 'query').length, 3);
    fake.throttleNext(0, {});
  });

  test('a wait beyond maxWaitMs fails at once, naming the wait', { timeout: 15_000 }, async () => {
    const before = fake.requests.length;
    fake.throttleNext(1, { 'x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after': '3600' });
    await assert.rejects(
      collect(fetchAzureCosts({ client: costClientForFake(fake, { throttle: { maxWaitMs: 60_000 } }), scope: SCOPE, from: FROM, to: TO })),
      (error: unknown) => error instanceof CostManagementThrottledError && /3600 s/.test(error.message),
    );
    assert.equal(fake.requests.slice(before).filter((r) => r.kind === 'query').length, 1);
  });

  test('an abort during the wait ends the sync promptly', { timeout: 60_000 }, async () => {
    fake.throttleNext(1, { 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': '30' });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(
      collect(fetchAzureCosts({ client: costClientForFake(fake), scope: SCOPE, from: FROM, to: TO, signal: controller.signal })),
      (error: Error) => error.name === 'AbortError',
    );
    // a bound well inside the 30 s, not a timing: a loaded machine may take seconds to unwind the abort
    assert.ok(Date.now() - started < 20_000, 'did not sit out the 30 s');
  });
});
