import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { enqueueReconcile } from '../../src/jobs/reconcile-queue.js';
import { loadConfig } from '../../src/config.js';
import { tasks } from '../../src/db/schema/index.js';
import { importTrace } from '../../src/services/capture/trace-import.js';
import { captureWeblogEvent } from '../../src/services/capture/weblog.js';
import { parseWeblogEvent } from '../../src/ingest/nextflow/weblog.js';
import { withSettledRuns } from '../../src/services/billed-in-full.js';
import { billedRuns } from '../../src/services/history.js';
import { createOrganization } from '../../src/services/organizations.js';
import { PoolService } from '../../src/services/pools.js';
import { ProjectService } from '../../src/services/projects.js';
import { reconcile, type ReconcileWindow } from '../../src/services/reconcile.js';
import { RunService } from '../../src/services/runs.js';
import { startTestApp, waitForJob } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const VM = 'Standard_D4_v3';
const POOL = 'nf-d4';
const RESOURCE = `/subscriptions/x/resourceGroups/g/providers/Microsoft.Batch/batchAccounts/b/pools/${POOL}`;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Today's UTC midnight: every run below is dated from it, so that "72 h ago" holds whatever the day. */
const D = Math.floor(Date.now() / DAY) * DAY;
const SHARE = { idleMode: 'SHARE' as const, driftThreshold: 0.2, trigger: 'test' };
const SEPARATE = { ...SHARE, idleMode: 'SEPARATE' as const };
const days = (from: number, to: number): ReconcileWindow => ({ from: new Date(D + from * DAY), to: new Date(D + to * DAY) });

describe('billed in full across windows: every day of a run reconciled whole, sharing idle, after it settled', () => {
  let db: TestDatabase;
  let orgId: string;
  let otherOrg: string;
  const ids: Record<string, string> = {};

  /** A run of `n` one-per-day tasks of 20 h from `start` (days from D, plus 8 h), ending with the last. */
  async function run(name: string, start: number, n: number, o: { org?: string; cached?: boolean; end?: number } = {}) {
    const org = o.org ?? orgId;
    const at = D + start * DAY + 8 * HOUR;
    const r = await new RunService(db.db, org, 500).register({ projectCode: 'P', pipeline: 'wgs', sampleCount: 1, inputBytes: 1e10, runName: name });
    const end = o.end ?? at + (n - 1) * DAY + 20 * HOUR;
    await db.db.execute(sql`update runs set status = 'SUCCEEDED', submitted_at = ${new Date(at).toISOString()}::timestamptz,
      started_at = ${new Date(at).toISOString()}::timestamptz, completed_at = ${new Date(end).toISOString()}::timestamptz
      where org_id = ${org} and id = ${r.id}`);
    await db.db.insert(tasks).values(Array.from({ length: n }, (_, i) => ({
      orgId: org, runId: r.id, taskId: i + 1, process: 'CALL', source: 'trace' as const,
      status: o.cached && i === 0 ? ('CACHED' as const) : ('COMPLETED' as const),
      submittedAt: new Date(at + i * DAY), startedAt: new Date(at + i * DAY), completedAt: new Date(at + i * DAY + 20 * HOUR), realtimeMs: 20 * HOUR,
      cpus: 2, vmSize: VM, priority: 'DEDICATED' as const, pool: POOL,
    })));
    ids[name] = r.id;
  }

  const billed = async (name: string, org = orgId) => {
    const [r] = (await db.db.execute(sql`select billed_in_full from runs where org_id = ${org} and id = ${ids[name]}`)) as unknown as { billed_in_full: boolean }[];
    return r.billed_in_full;
  };

  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'Long runs', slug: 'long-runs' })).organization.id;
    otherOrg = (await createOrganization(db.db, { name: 'Other', slug: 'long-runs-other' })).organization.id;
    for (const org of [orgId, otherOrg]) {
      await new ProjectService(db.db, org).create({ code: 'P', name: 'p' });
      await new PoolService(db.db, org).declare({ name: POOL, region: 'westeurope', vmSize: VM, priority: 'DEDICATED', resourceId: RESOURCE });
      // one node billed every hour of the last 50 days
      await db.db.execute(sql`select cost_records_ensure_partitions(${new Date(D - 50 * DAY).toISOString()}, ${new Date(D).toISOString()})`);
      await db.db.execute(sql`
        insert into cost_records (org_id, provider, resource_id, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
        select ${org}, 'azure', ${RESOURCE}, h, h + interval '1 hour', 0.192, 'USD', 1, '1 Hour', 'file', md5(${org}::text || h::text)::uuid
        from generate_series(${new Date(D - 50 * DAY).toISOString()}::timestamptz, ${new Date(D - HOUR).toISOString()}::timestamptz, interval '1 hour') h`);
    }
    // four days, ending eight days ago: no five-day window holds it
    await run('long', -12, 4);
    await run('short', -6, 1);
    // each of these starts before `long` and must not be reached back for
    await run('resumed', -13, 3, { cached: true });
    await run('unsettled', -13, 2, { end: Date.now() - 48 * HOUR });
    await run('tooOld', -45, 2, { end: D - 5 * DAY });
    await run('theirs', -14, 4, { org: otherOrg });
  });
  after(() => db.drop());

  test('a window that holds only the end of a run leaves it short; the reach back names its first day, and only for runs that can be billed in full', async () => {
    await reconcile(db.db, orgId, days(-10, 0), SHARE);
    assert.equal(await billed('short'), true);
    assert.equal(await billed('long'), false);
    const reached = await withSettledRuns(db.db, orgId, days(-10, 0), 'SHARE');
    assert.equal(reached.from.toISOString(), new Date(D - 12 * DAY).toISOString());
    assert.equal(reached.to.toISOString(), new Date(D).toISOString());
    // with idle kept apart no run can be billed in full: the window stays as asked
    assert.deepEqual(await withSettledRuns(db.db, orgId, days(-10, 0), 'SEPARATE'), days(-10, 0));
    // a window that ends before the run does is no reason to reach back for it
    assert.deepEqual(await withSettledRuns(db.db, orgId, days(-10, -9), 'SHARE'), days(-10, -9));
  });

  test('two windows, each holding some of its days whole, bill it in full; its actual is its allocations', async () => {
    await reconcile(db.db, orgId, days(-12, -10), SHARE);
    assert.equal(await billed('long'), true);
    const [alloc] = (await db.db.execute(sql`select sum(amount)::float8 as total from allocations where org_id = ${orgId} and run_id = ${ids.long}`)) as unknown as { total: number }[];
    const run = (await billedRuns(db.db, orgId, 'wgs')).find((r) => r.runId === ids.long);
    assert.ok(run && alloc.total > 0);
    assert.equal(run.cost, alloc.total);
    assert.equal(await billed('theirs', otherOrg), false);
  });

  test('a later window keeping idle apart over an hour of one of its days undoes it; other runs keep theirs', async () => {
    await reconcile(db.db, orgId, { from: new Date(D - 11 * DAY + 6 * HOUR), to: new Date(D - 11 * DAY + 7 * HOUR) }, SEPARATE);
    assert.equal(await billed('long'), false);
    assert.equal(await billed('short'), true);
  });

  test('a day last reconciled before the run settled does not count', async () => {
    await reconcile(db.db, orgId, await withSettledRuns(db.db, orgId, days(-10, 0), 'SHARE'), SHARE);
    assert.equal(await billed('long'), true);
    // as if the windows holding its first day had run the day it ended, before its bill was in
    await db.db.execute(sql`update reconciliations set started_at = ${new Date(D - 8 * DAY).toISOString()}::timestamptz
      where org_id = ${orgId} and window_start <= ${new Date(D - 12 * DAY).toISOString()}::timestamptz`);
    await reconcile(db.db, orgId, days(-10, 0), SHARE);
    assert.equal(await billed('long'), false);
    assert.equal((await withSettledRuns(db.db, orgId, days(-10, 0), 'SHARE')).from.toISOString(), new Date(D - 12 * DAY).toISOString());
  });

  test('a task that arrives after the bill was reconciled undoes it; a trace adding nothing does not', async () => {
    assert.equal(await billed('short'), true);
    const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    const trace = (taskIds: number[]) =>
      ['task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tduration\trealtime\t%cpu\tpeak_rss\tpeak_vmem\trchar\twchar',
        ...taskIds.map((id) => `${id}\t0a/${id}\t${id}\tCALL (${id})\tCOMPLETED\t0\t${stamp(D - 6 * DAY + 9 * HOUR)}\t1h\t1h\t100%\t1 GB\t2 GB\t1 GB\t1 GB`)].join('\n') + '\n';
    const settings = loadConfig({}).capture;
    // the run already has a task 1: the trace says nothing new
    await db.db.execute(sql`update runs set task_count = 1 where org_id = ${orgId} and id = ${ids.short}`);
    await importTrace(db.db, orgId, Readable.from([trace([1])]), settings, { runId: ids.short, timeZone: 'UTC' });
    assert.equal(await billed('short'), true);
    await importTrace(db.db, orgId, Readable.from([trace([1, 2])]), settings, { runId: ids.short, timeZone: 'UTC' });
    assert.equal(await billed('short'), false);
    await db.db.execute(sql`delete from tasks where org_id = ${orgId} and run_id = ${ids.short} and task_id = 2`);
  });

  test("a sync's reconciliation job reaches back; one someone asked for does not", async () => {
    const t = await startTestApp({ db });
    try {
      const windowOf = async (jobId: string) => {
        await waitForJob(t, jobId);
        const [r] = (await db.db.execute(sql`select window_start, trigger from reconciliations where org_id = ${orgId} and job_id = ${jobId}`)) as unknown as { window_start: Date | string; trigger: string }[];
        return new Date(r.window_start).toISOString();
      };
      const asked = { orgId, from: new Date(D - 10 * DAY).toISOString(), to: new Date(D).toISOString() };
      assert.equal(await windowOf(await enqueueReconcile(db.sql, { ...asked, trigger: 'request' })), asked.from);
      assert.equal(await billed('long'), false);
      assert.equal(await windowOf(await enqueueReconcile(db.sql, { ...asked, trigger: 'sync' })), new Date(D - 12 * DAY).toISOString());
      assert.equal(await billed('long'), true);
      // once billed in full, the next sync's window is as asked
      assert.equal(await windowOf(await enqueueReconcile(db.sql, { ...asked, trigger: 'sync' })), asked.from);
    } finally {
      await t.close();
    }
  });

  test('a weblog event of a task new to the run undoes it too', async () => {
    assert.equal(await billed('long'), true);
    const settings = loadConfig({}).capture;
    const at = D - 12 * DAY + 8 * HOUR;
    const base = { runName: 'late-events', runId: 'a-late-session' };
    const workflow = { runName: base.runName, sessionId: base.runId, start: new Date(at).toISOString(), manifest: { name: 'wgs' } };
    await captureWeblogEvent(db.db, orgId, parseWeblogEvent({ ...base, event: 'started', utcTime: new Date(at).toISOString(),
      metadata: { parameters: { [settings.runIdParam]: ids.long }, workflow } }), settings);
    assert.equal(await billed('long'), true);
    await captureWeblogEvent(db.db, orgId, parseWeblogEvent({ ...base, event: 'process_submitted', utcTime: new Date(at).toISOString(),
      trace: { task_id: 99, hash: '0a/99', name: 'CALL (99)', process: 'CALL', status: 'SUBMITTED', submit: at, attempt: 1 } }), settings);
    assert.equal(await billed('long'), false);
  });
});
