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
import { reconcile } from '../../src/services/reconcile.js';
import type { ReconcileWindow } from '../../src/services/reconcile-terms.js';
import { RunService } from '../../src/services/runs.js';
import { startTestApp, waitForJob } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { connect } from '../../src/db/client.js';

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

interface RunOpts {
  cached?: boolean;
  /** Completed at, ms (default: when the last task ends). */
  end?: number;
  status?: string;
  pool?: string;
}

/** A run of `org` with `n` one-per-day tasks of 20 h (2 of the node's 4 vCPUs) from `at` (ms), ending with the last; its id. */
async function addRun(db: TestDatabase, org: string, name: string, at: number, n: number, o: RunOpts = {}): Promise<string> {
  const r = await new RunService(db.db, org, 500).register({ projectCode: 'P', pipeline: 'wgs', sampleCount: 1, inputBytes: 1e10, runName: name });
  const end = o.end ?? at + (n - 1) * DAY + 20 * HOUR;
  await db.db.execute(sql`update runs set status = ${o.status ?? 'SUCCEEDED'}::run_status, submitted_at = ${new Date(at).toISOString()}::timestamptz,
    started_at = ${new Date(at).toISOString()}::timestamptz, completed_at = ${new Date(end).toISOString()}::timestamptz
    where org_id = ${org} and id = ${r.id}`);
  await db.db.insert(tasks).values(Array.from({ length: n }, (_, i) => ({
    orgId: org, runId: r.id, taskId: i + 1, process: 'CALL', source: 'trace' as const,
    status: o.cached && i === 0 ? ('CACHED' as const) : ('COMPLETED' as const),
    submittedAt: new Date(at + i * DAY), startedAt: new Date(at + i * DAY), completedAt: new Date(at + i * DAY + 20 * HOUR), realtimeMs: 20 * HOUR,
    cpus: 2, vmSize: VM, priority: 'DEDICATED' as const, pool: o.pool ?? POOL,
  })));
  return r.id;
}

async function isBilled(db: TestDatabase, org: string, runId: string): Promise<boolean> {
  const [r] = (await db.db.execute(sql`select billed_in_full from runs where org_id = ${org} and id = ${runId}`)) as unknown as { billed_in_full: boolean }[];
  return r.billed_in_full;
}

interface LineOpts {
  resource?: string;
  /** Lines of this many hours (24: daily). */
  hours?: number;
  unit?: string;
  source?: 'file' | 'azure_api';
}

/** One line of `resource` every `hours` of [from, to) (ms), loaded now. */
async function addLines(db: TestDatabase, org: string, from: number, to: number, o: LineOpts = {}): Promise<void> {
  const [f, t] = [new Date(from).toISOString(), new Date(to).toISOString()];
  const step = `${o.hours ?? 1} hours`;
  await db.db.execute(sql`select cost_records_ensure_partitions(${f}, ${t})`);
  await db.db.execute(sql`
    insert into cost_records (org_id, provider, resource_id, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
    select ${org}, 'azure', ${o.resource ?? RESOURCE}, h, h + ${step}::interval, 0.192, 'USD', 1, ${o.unit ?? '1 Hour'}, ${o.source ?? 'file'},
      md5(${org}::text || ${o.resource ?? RESOURCE} || h::text)::uuid
    from generate_series(${f}::timestamptz, ${t}::timestamptz - ${step}::interval, ${step}::interval) h`);
}

/** An organization with project P and the billed pool; one node of it billed every hour of [from, to) (ms), loaded now. */
async function billedLab(db: TestDatabase, slug: string, from: number, to: number, source: 'file' | 'azure_api' = 'file'): Promise<string> {
  const org = (await createOrganization(db.db, { name: slug, slug })).organization.id;
  await new ProjectService(db.db, org).create({ code: 'P', name: 'p' });
  await new PoolService(db.db, org).declare({ name: POOL, region: 'westeurope', vmSize: VM, priority: 'DEDICATED', resourceId: RESOURCE });
  await addLines(db, org, from, to, { source });
  return org;
}

describe('billed in full across windows: every day of a run reconciled whole, sharing idle, after it settled', () => {
  let db: TestDatabase;
  let orgId: string;
  let otherOrg: string;
  const ids: Record<string, string> = {};

  /** A run of `n` one-per-day tasks from `start` (days from D, plus 8 h). */
  async function run(name: string, start: number, n: number, o: RunOpts & { org?: string } = {}) {
    ids[name] = await addRun(db, o.org ?? orgId, name, D + start * DAY + 8 * HOUR, n, o);
  }
  const billed = (name: string, org = orgId) => isBilled(db, org, ids[name]);

  before(async () => {
    db = await createTestDatabase();
    // one node billed every hour of the last 50 days
    orgId = await billedLab(db, 'long-runs', D - 50 * DAY, D);
    otherOrg = await billedLab(db, 'long-runs-other', D - 50 * DAY, D);
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

  test('a task that arrives or changes after the bill was reconciled undoes it; a trace adding nothing does not', async () => {
    assert.equal(await billed('short'), true);
    const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    const trace = (taskIds: number[]) =>
      ['task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tduration\trealtime\t%cpu\tpeak_rss\tpeak_vmem\trchar\twchar',
        ...taskIds.map((id) => `${id}\t0a/${id}\t${id}\tCALL (${id})\tCOMPLETED\t0\t${stamp(D - 6 * DAY + 9 * HOUR)}\t1h\t1h\t100%\t1 GB\t2 GB\t1 GB\t1 GB`)].join('\n') + '\n';
    const settings = loadConfig({}).capture;
    const load = (taskIds: number[]) => importTrace(db.db, orgId, Readable.from([trace(taskIds)]), settings, { runId: ids.short, timeZone: 'UTC' });
    // the trace fills in the run's one task: what reconciliation saw of it is not what it is now
    assert.equal((await load([1])).tasksUpdated, 1);
    assert.equal(await billed('short'), false);
    await reconcile(db.db, orgId, days(-10, 0), SHARE);
    assert.equal(await billed('short'), true);
    // the same trace again changes nothing
    assert.equal((await load([1])).tasksUnchanged, 1);
    assert.equal(await billed('short'), true);
    await load([1, 2]);
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

  test('a weblog event of a task new to the run, or changing one, undoes it too', async () => {
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
    // reconciled again with the task known (it never started: nothing to bill), then an event changes it
    await reconcile(db.db, orgId, days(-12, 0), SHARE);
    assert.equal(await billed('long'), true);
    await captureWeblogEvent(db.db, orgId, parseWeblogEvent({ ...base, event: 'process_started', utcTime: new Date(at + 1).toISOString(),
      trace: { task_id: 99, hash: '0a/99', name: 'CALL (99)', process: 'CALL', status: 'RUNNING', submit: at, start: at + 1, attempt: 1 } }), settings);
    assert.equal(await billed('long'), false);
  });
});

describe('what the bill must hold before a run is billed in full', () => {
  let db: TestDatabase;
  let a: string;
  let b: string;
  const ids: Record<string, string> = {};
  const at = (day: number) => D + day * DAY + 8 * HOUR;
  const VM2 = `${RESOURCE}/virtualMachines/2`;

  before(async () => {
    db = await createTestDatabase();
    // a's bill comes from a cost connection's syncs; b's from files
    a = await billedLab(db, 'bill-a', D - 40 * DAY, D, 'azure_api');
    b = await billedLab(db, 'bill-b', D - 40 * DAY, D);
    // a second node's hours, and the pool's disks by the day (in GB): neither may make up an hour of compute the bill lacks
    await addLines(db, a, D - 40 * DAY, D, { resource: VM2, source: 'azure_api' });
    await addLines(db, a, D - 40 * DAY, D, { resource: `${RESOURCE}/disks/os`, hours: 24, unit: '1 GB/Month', source: 'azure_api' });
    ids.whole = await addRun(db, a, 'whole', at(-25), 2);
    ids.gap = await addRun(db, a, 'gap', at(-20), 2);
    ids.fresh = await addRun(db, a, 'fresh', at(-27), 1);
    ids.backwards = await addRun(db, a, 'backwards', at(-24), 1, { end: at(-25) });
    ids.theirs = await addRun(db, b, 'theirs', at(-25), 2);
    // an hour the bill lacks (both nodes), while the second of gap's tasks ran
    await db.db.execute(sql`delete from cost_records where org_id = ${a} and charge_period_start = ${new Date(at(-19) + 3 * HOUR).toISOString()}::timestamptz
      and resource_id in (${RESOURCE}, ${VM2})`);
    // fresh's day as a sync loaded it an hour after the day: usage may still be revised
    await db.db.execute(sql`update cost_records set created_at = ${new Date(at(-26) - 7 * HOUR).toISOString()}::timestamptz
      where org_id = ${a} and charge_period_start >= ${new Date(D - 27 * DAY).toISOString()}::timestamptz and charge_period_start < ${new Date(D - 26 * DAY).toISOString()}::timestamptz`);
    await reconcile(db.db, a, days(-30, 0), SHARE);
    await reconcile(db.db, b, days(-30, 0), SHARE);
  });
  after(() => db.drop());

  test('an hour of compute missing from the bill keeps a run out (other nodes and a daily disk line do not make it up), and the reach does not come back for it; the hour arriving brings it in', async () => {
    assert.equal(await isBilled(db, a, ids.whole), true);
    assert.equal(await isBilled(db, a, ids.gap), false);
    assert.deepEqual(await withSettledRuns(db.db, a, days(-19, 0), 'SHARE'), days(-19, 0));
    // a late load brings the hour, and its reconciliation the run
    await addLines(db, a, at(-19) + 3 * HOUR, at(-19) + 4 * HOUR, { source: 'azure_api' });
    await reconcile(db.db, a, days(-19, -18), SHARE);
    assert.equal(await isBilled(db, a, ids.gap), true);
  });

  test("a day a sync loaded within 72 h of its hours is not final until a sync loads it again; a file's lines keep when they were first loaded", async () => {
    assert.equal(await isBilled(db, a, ids.fresh), false);
    const unsettled = async (org: string) => {
      const [rec] = (await db.db.execute(sql`select unsettled_days::text[] as days from reconciliations
        where org_id = ${org} and window_start = ${new Date(D - 30 * DAY).toISOString()}::timestamptz order by started_at limit 1`)) as unknown as { days: string[] }[];
      return rec.days;
    };
    // that day, and the last three, loaded now: each has an hour that ended less than 72 h before it was loaded.
    // Counted from the load time the database recorded (what reconciliation compares with), not from D: had
    // midnight UTC passed between this file fixing D and the load, the third-last day was settled at load
    const [{ loaded }] = (await db.db.execute(sql`select min(created_at) as loaded from cost_records
      where org_id = ${a} and charge_period_start >= ${new Date(D - 5 * DAY).toISOString()}::timestamptz`)) as unknown as { loaded: Date | string }[];
    const loadedAt = new Date(loaded).getTime();
    assert.ok(loadedAt >= D && loadedAt < D + 2 * DAY, `loaded ${new Date(loaded).toISOString()}, today ${new Date(D).toISOString()}`);
    const recent = loadedAt < D + DAY ? [-3, -2, -1] : [-2, -1];
    assert.deepEqual(await unsettled(a), [-27, ...recent].map((d) => new Date(D + d * DAY).toISOString().slice(0, 10)));
    // a file loaded now is no different, but an unchanged line imported again is not rewritten: when a file's line
    // was last seen is not known, so files are taken as they are
    assert.deepEqual(await unsettled(b), []);
    // reconciling the day again, without a new load, changes nothing, so the reach does not ask for it
    assert.deepEqual(await withSettledRuns(db.db, a, days(-26, 0), 'SHARE'), days(-26, 0));
    // the sync that loads it again replaces its lines
    await db.db.execute(sql`update cost_records set created_at = now() where org_id = ${a}`);
    await reconcile(db.db, a, days(-27, -26), SHARE);
    assert.equal(await isBilled(db, a, ids.fresh), true);
  });

  test('a run that ends before it starts is bad data: never billed, never reached for', async () => {
    assert.equal(await isBilled(db, a, ids.backwards), false);
    assert.deepEqual(await withSettledRuns(db.db, a, days(-24, 0), 'SHARE'), days(-24, 0));
  });

  test("another organization's reconciliations neither settle nor undo a run; a failed one counts for nothing", async () => {
    assert.equal(await isBilled(db, b, ids.theirs), true);
    await reconcile(db.db, a, days(-30, 0), SEPARATE);
    assert.equal(await isBilled(db, a, ids.whole), false);
    // b decides again, after a's window that kept idle apart over the same days
    await reconcile(db.db, b, { from: new Date(at(-25)), to: new Date(at(-25) + HOUR) }, SHARE);
    assert.equal(await isBilled(db, b, ids.theirs), true);
    await reconcile(db.db, a, days(-30, 0), SHARE);
    assert.equal(await isBilled(db, a, ids.whole), true);
    // a reconciliation that kept idle apart and then failed (rolled back) replaced nothing
    await db.db.execute(sql`insert into reconciliations (org_id, window_start, window_end, status, idle_mode, trigger, finished_at)
      values (${a}, ${new Date(D - 30 * DAY).toISOString()}::timestamptz, ${new Date(D).toISOString()}::timestamptz, 'FAILED', 'SEPARATE', 'test', clock_timestamp())`);
    await reconcile(db.db, a, { from: new Date(at(-25)), to: new Date(at(-25) + HOUR) }, SHARE);
    assert.equal(await isBilled(db, a, ids.whole), true);
  });

  test('a task changed since its days were reconciled: a window over part of them does not mark the run again', async () => {
    await db.db.execute(sql`update tasks set realtime_ms = realtime_ms - 1000, updated_at = clock_timestamp() where org_id = ${a} and run_id = ${ids.whole} and task_id = 2`);
    await reconcile(db.db, a, { from: new Date(at(-25)), to: new Date(at(-25) + HOUR) }, SHARE);
    assert.equal(await isBilled(db, a, ids.whole), false);
    assert.equal((await withSettledRuns(db.db, a, days(-20, 0), 'SHARE')).from.toISOString(), new Date(D - 25 * DAY).toISOString());
    await reconcile(db.db, a, days(-25, -22), SHARE);
    assert.equal(await isBilled(db, a, ids.whole), true);
  });

  test('a resource id given to a pool after its runs were reconciled brings them back', async () => {
    await new PoolService(db.db, a).declare({ name: 'nf-late', region: 'westeurope', vmSize: VM, priority: 'DEDICATED' });
    ids.late = await addRun(db, a, 'late', at(-22), 1, { pool: 'nf-late' });
    await addLines(db, a, D - 23 * DAY, D - 20 * DAY, { resource: `${RESOURCE}-late`, source: 'azure_api' });
    await reconcile(db.db, a, days(-30, 0), SHARE);
    assert.equal(await isBilled(db, a, ids.late), false);
    assert.deepEqual(await withSettledRuns(db.db, a, days(-21, 0), 'SHARE'), days(-21, 0));
    await new PoolService(db.db, a).declare({ name: 'nf-late', region: 'westeurope', vmSize: VM, priority: 'DEDICATED', resourceId: `${RESOURCE}-late` });
    const reached = await withSettledRuns(db.db, a, days(-21, 0), 'SHARE');
    assert.equal(reached.from.toISOString(), new Date(D - 22 * DAY).toISOString());
    await reconcile(db.db, a, reached, SHARE);
    assert.equal(await isBilled(db, a, ids.late), true);
  });

  test('the reach passes over runs that did not succeed and runs on a pool no bill line can find', async () => {
    await new PoolService(db.db, a).declare({ name: 'nf-unbilled', region: 'westeurope', vmSize: VM, priority: 'DEDICATED' });
    // arrived after every reconciliation above: none of their days has been reconciled since
    ids.reachable = await addRun(db, a, 'reachable', at(-12), 4);
    ids.failed = await addRun(db, a, 'failed', at(-13), 2, { status: 'FAILED' });
    ids.unbilled = await addRun(db, a, 'unbilled', at(-14), 2, { pool: 'nf-unbilled' });
    assert.equal((await withSettledRuns(db.db, a, days(-10, 0), 'SHARE')).from.toISOString(), new Date(D - 12 * DAY).toISOString());
  });

  test("days are UTC days whatever the session's time zone (a 25-hour day in London)", async () => {
    const [{ name }] = (await db.db.execute(sql`select current_database() as name`)) as unknown as { name: string }[];
    await db.db.execute(sql.raw(`alter database "${name}" set timezone to 'Europe/London'`));
    const london = connect(db.url, { max: 1 });
    try {
      const [shown] = (await london.db.execute(sql`select current_setting('TimeZone') as tz`)) as unknown as { tz: string }[];
      assert.equal(shown.tz, 'Europe/London');
      const c = await billedLab(db, 'bill-london', Date.parse('2024-10-20T00:00:00Z'), Date.parse('2024-11-01T00:00:00Z'));
      // 25 Oct 08:00 to 29 Oct 04:00 UTC; British summer time ends on the 27th
      const run = await addRun(db, c, 'dst', Date.parse('2024-10-25T08:00:00Z'), 4);
      const window = (from: string, to: string) => ({ from: new Date(from), to: new Date(to) });
      await reconcile(london.db, c, window('2024-10-20T00:00:00Z', '2024-10-30T00:00:00Z'), SHARE);
      assert.equal(await isBilled(db, c, run), true);
      // an hour of its last UTC day (29 Oct 01:00, which a day counted in London time would leave out) with idle kept apart
      await reconcile(london.db, c, window('2024-10-29T01:00:00Z', '2024-10-29T02:00:00Z'), SEPARATE);
      assert.equal(await isBilled(db, c, run), false);
    } finally {
      await london.close();
      await db.db.execute(sql.raw(`alter database "${name}" reset timezone`));
    }
  });
});
