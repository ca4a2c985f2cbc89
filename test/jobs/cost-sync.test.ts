/**
 * `costs.sync` on real pg-boss workers (two worker processes' worth, over one test database) against the
 * fake Azure: one connection's syncs run one at a time, and never hold up another connection's.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { CostConnectionService } from '../../src/services/cost-connections.js';
import { createOrganization } from '../../src/services/organizations.js';
import { normalizeDecimal } from '../fakes/azure/decimal-sum.js';
import { buildCostRows, costSum, rowsIn, type FakeDataset } from '../fakes/azure/rows.js';
import { startFakeAzure, type FakeAzure } from '../fakes/azure/server.js';
import { startTestApp, waitForJob, type TestApp } from '../support/app.js';

const SUB_X = '0b1f6c2e-5a4d-4c3b-9a8e-7f6d5c4b3a21';
const SUB_Y = '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d';
const SUB_Z = 'c0ffee00-1234-4abc-9def-00112233aabb';
const SECRET = `Gx8Q~jobs-${randomUUID()}`;
const KEY = randomBytes(32).toString('base64');
const FROM = new Date('2024-03-01T00:00:00Z');
const TO = new Date('2024-03-04T00:00:00Z');

interface SyncState {
  status: string;
  /** ms since the epoch */
  started: number | null;
  finished: number | null;
  error: string | null;
}

describe('costs.sync on two pg-boss workers', () => {
  let fake: FakeAzure;
  let dataset: FakeDataset;
  let first: TestApp;
  let second: TestApp;

  const serviceOf = async (slug: string) => {
    const { organization } = await createOrganization(first.db.db, { name: slug, slug });
    const settings = loadConfig({ GCT_SECRET_KEY: KEY, GCT_AZURE_AUTHORITY_HOST: fake.authorityHost, GCT_AZURE_ARM_ENDPOINT: fake.armEndpoint });
    return { orgId: organization.id, service: new CostConnectionService(first.db.db, organization.id, settings) };
  };
  const connect = (service: CostConnectionService, sub: string) =>
    service.create({ name: `Subscription ${sub.slice(0, 4)}`, scope: `/subscriptions/${sub}`, auth: 'CLIENT_SECRET', tenantId: fake.tenantId, clientId: fake.clientId, clientSecret: SECRET });
  const syncState = async (syncId: string): Promise<SyncState> => {
    const [row] = await first.db.sql<SyncState[]>`
      select status, extract(epoch from started_at)::float8 * 1000 as started, extract(epoch from finished_at)::float8 * 1000 as finished, error
      from cost_syncs where id = ${syncId}`;
    return { ...row };
  };
  /** Polls until `done(state)` holds; fails naming `what` after `timeoutMs`. */
  const waitFor = async (syncId: string, what: string, done: (s: SyncState) => boolean, timeoutMs = 60_000): Promise<SyncState> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await syncState(syncId);
      if (done(state)) return state;
      if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(state)} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const finished = (s: SyncState) => s.status === 'SUCCEEDED' || s.status === 'FAILED';

  before(async () => {
    dataset = buildCostRows({ start: FROM, days: 3, resources: 4, subscriptionId: SUB_X, seed: 3 });
    fake = await startFakeAzure({ clientSecret: SECRET, dataset });
    const env = { GCT_SECRET_KEY: KEY, GCT_AZURE_AUTHORITY_HOST: fake.authorityHost, GCT_AZURE_ARM_ENDPOINT: fake.armEndpoint };
    first = await startTestApp({ role: 'worker', env });
    second = await startTestApp({ role: 'worker', db: first.db, env });
  });
  after(async () => {
    // the syncs the scheduled run queued for the other connections finish first: a worker stopping waits 10 s at most
    const deadline = Date.now() + 60_000;
    while (first && Date.now() < deadline) {
      const [{ n }] = await first.db.sql<{ n: number }[]>`select count(*)::int as n from pgboss.job where name = 'costs.sync' and state in ('created', 'retry', 'active')`;
      if (n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await second?.close();
    await first?.close();
    await fake?.close();
  });

  test("while connection X syncs and its next sync waits, another organization's connection Y syncs", { timeout: 120_000 }, async () => {
    const a = await serviceOf('jobs-a');
    const b = await serviceOf('jobs-b');
    const x = await connect(a.service, SUB_X);
    const y = await connect(b.service, SUB_Y);
    const releaseX = fake.holdQueries(`subscriptions/${SUB_X}`);
    try {
      const x1 = await a.service.requestSync(x.id, { from: FROM, to: TO });
      // one worker takes X's sync, which then waits in its first query for as long as the test holds it
      const deadline = Date.now() + 30_000;
      while (!fake.queryRequests().some((r) => r.path.includes(SUB_X))) {
        if (Date.now() > deadline) assert.fail(`X's sync never queried Azure: ${JSON.stringify(await syncState(x1.sync.id))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal((await syncState(x1.sync.id)).status, 'RUNNING');
      // the next sync of X (a "sync now", a backfill), then Y's
      const x2 = await a.service.requestSync(x.id, { from: FROM, to: TO });
      const y1 = await b.service.requestSync(y.id, { from: FROM, to: TO });

      const yDone = await waitFor(y1.sync.id, "Y's sync while X's runs", finished, 30_000);
      assert.equal(yDone.status, 'SUCCEEDED', yDone.error ?? '');
      // X's first sync is still held, and its second waits its turn, queued
      assert.equal((await syncState(x1.sync.id)).status, 'RUNNING');
      assert.equal((await syncState(x2.sync.id)).status, 'QUEUED');
      assert.equal(fake.queryRequests().filter((r) => r.path.includes(SUB_X)).length, 1, 'X was queried once: by its first sync');

      releaseX();
      const [one, two] = [await waitFor(x1.sync.id, "X's first sync", finished), await waitFor(x2.sync.id, "X's second sync", finished)];
      assert.deepEqual([one.status, two.status], ['SUCCEEDED', 'SUCCEEDED'], `${one.error} / ${two.error}`);
      assert.ok(two.started! >= one.finished!, `X's second sync started at ${two.started}, before the first finished at ${one.finished}`);
      // the row names the job that ran it, which pg-boss completed
      const [{ job_id }] = await first.db.sql<{ job_id: string }[]>`select job_id from cost_syncs where id = ${x2.sync.id}`;
      await waitForJob(first, job_id);

      const [stored] = await first.db.sql<{ total: string; n: number }[]>`
        select sum(billed_cost)::text as total, count(*)::int as n from cost_records where org_id = ${a.orgId} and source_id = ${x.id}`;
      assert.deepEqual({ total: normalizeDecimal(stored.total), n: stored.n }, { total: costSum(dataset, rowsIn(dataset, FROM, TO)), n: rowsIn(dataset, FROM, TO).length });
    } finally {
      releaseX();
    }
  });

  test('the scheduled run records a sync a stopped worker left RUNNING as FAILED, and syncs its connection again', { timeout: 120_000 }, async () => {
    const c = await serviceOf('jobs-c');
    const z = await connect(c.service, SUB_Z);
    // what a worker killed in the middle of a sync leaves: RUNNING, started before the job's expiry
    const [{ id: abandoned }] = await first.db.sql<{ id: string }[]>`
      insert into cost_syncs (org_id, connection_id, window_start, window_end, status, started_at, created_at)
      values (${c.orgId}, ${z.id}, ${FROM.toISOString()}::timestamptz, ${TO.toISOString()}::timestamptz, 'RUNNING', now() - interval '2 hours', now() - interval '2 hours')
      returning id`;
    // the sync before it succeeded
    await first.db.sql`update cost_connections set last_status = 'SUCCEEDED', last_sync_at = now() - interval '3 hours' where id = ${z.id}`;
    const connectionState = async () =>
      (await first.db.sql<{ last_status: string; last_error: string | null }[]>`select last_status, last_error from cost_connections where id = ${z.id}`)[0];

    // the new sync the run queues waits in its fetch, so what the run recorded can be read
    const releaseZ = fake.holdQueries(`subscriptions/${SUB_Z}`);
    try {
      const jobId = await first.app.boss.send('costs.sync-all', {});
      assert.ok(jobId);
      await waitForJob(first, jobId);

      const left = await syncState(abandoned);
      assert.equal(left.status, 'FAILED');
      assert.match(left.error ?? '', /the worker running this sync stopped before it finished/);
      assert.ok(left.finished);
      const failed = await connectionState();
      assert.equal(failed.last_status, 'FAILED');
      assert.equal(failed.last_error, left.error);
      const [next] = await first.db.sql<{ id: string }[]>`
        select id from cost_syncs where org_id = ${c.orgId} and connection_id = ${z.id} and id <> ${abandoned} order by created_at desc limit 1`;
      assert.ok(next, 'the run queued the connection a new sync');
      releaseZ();
      const done = await waitFor(next.id, "the connection's new sync", finished);
      assert.equal(done.status, 'SUCCEEDED', done.error ?? '');
      assert.deepEqual(await connectionState(), { last_status: 'SUCCEEDED', last_error: null });
    } finally {
      releaseZ();
    }
  });
});
