/**
 * Capture against what else writes at the same time: a late `started` merging a captured run into the
 * registered one while reconciliation runs, the rollup after such a merge, and one trace uploaded twice
 * at once or again with a project.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import postgres from 'postgres';
import { loadConfig } from '../../../src/config.js';
import { parseWeblogEvent } from '../../../src/ingest/nextflow/weblog.js';
import { importTrace } from '../../../src/services/capture/trace-import.js';
import { captureWeblogEvent } from '../../../src/services/capture/weblog.js';
import { CostExplorerService } from '../../../src/services/cost-explorer.js';
import { createOrganization } from '../../../src/services/organizations.js';
import { PoolService } from '../../../src/services/pools.js';
import { reconcile } from '../../../src/services/reconcile.js';
import { RunService } from '../../../src/services/runs.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { untilWaitingOnLock } from '../../support/lock-wait.js';
import { rowHash } from '../../support/row-hash.js';

const POOL = 'nf-d4';
const RESOURCE = '/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/genomics/providers/Microsoft.Batch/batchAccounts/labbatch/pools/nf-d4';
const DAY = { from: new Date('2025-06-02T00:00:00Z'), to: new Date('2025-06-03T00:00:00Z') };
const T0 = Date.parse('2025-06-02T10:00:00Z');
const settings = loadConfig({}).capture;
const TRACE = [
  'task_id\thash\tnative_id\tname\tstatus\texit\tsubmit\tstart\tcomplete\tduration\trealtime\tcpus\tmemory\tqueue',
  ...Array.from({ length: 300 }, (_, i) => `${i + 1}\tab/${String(i + 1).padStart(6, '0')}\tnat-${i + 1}\tALIGN (s${i})\tCOMPLETED\t0\t2025-06-02 10:00:00.000\t2025-06-02 10:00:00.000\t2025-06-02 10:30:00.000\t30m\t30m\t1\t1 GB\t${POOL}`),
].join('\n') + '\n';

describe('capture alongside reconciliation and repeated uploads', () => {
  let t: TestDatabase;
  let n = 0;
  before(async () => {
    t = await createTestDatabase();
  });
  after(() => t?.drop());

  async function lab() {
    const slug = `claim-${++n}`;
    const org = (await createOrganization(t.db, { name: slug, slug })).organization.id;
    await new PoolService(t.db, org).declare({ name: POOL, region: 'westeurope', vmSize: 'Standard_D4_v3', priority: 'DEDICATED', resourceId: RESOURCE });
    await t.sql`insert into projects (org_id, code, name) values (${org}, 'P1', 'p1')`;
    return org;
  }
  /** A registered run whose `started` was lost: a process event captured the session as a run of its own, then reconciled. */
  async function capturedBeforeClaim(org: string, session: string) {
    const registered = (await new RunService(t.db, org, 100).register({ projectCode: 'P1', pipeline: 'nf-core/demo' })).id;
    const ev = (e: Record<string, unknown>) => parseWeblogEvent({ runName: 'lost_started', runId: session, ...e });
    await captureWeblogEvent(t.db, org, ev({ event: 'process_completed', utcTime: new Date(T0 + 3_600_000).toISOString(),
      trace: { task_id: 1, hash: 'ab/1', name: 'ALIGN (s1)', process: 'ALIGN', status: 'COMPLETED', submit: T0, start: T0, complete: T0 + 3_600_000, realtime: 3_600_000, duration: 3_600_000, cpus: 4, memory: 16 * 1024 ** 3, queue: POOL, exit: 0 } }), settings);
    await t.sql`select cost_records_ensure_partitions(${DAY.from.toISOString()}, ${DAY.to.toISOString()})`;
    await t.sql`insert into cost_records (org_id, provider, resource_id, service_name, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
      values (${org}, 'azure', ${RESOURCE}, 'Azure Batch', '2025-06-02T10:00:00Z', '2025-06-02T11:00:00Z', 0.24, 'USD', 1, '1 Hour', 'file', ${rowHash(`${org}:line`)})`;
    await reconcile(t.db, org, DAY, { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' });
    const started = () => captureWeblogEvent(t.db, org, ev({ event: 'started', utcTime: new Date(T0).toISOString(),
      metadata: { parameters: { gct_run_id: registered }, workflow: { runName: 'lost_started', sessionId: session, start: new Date(T0).toISOString(), manifest: { name: 'nf-core/demo' } } } }), settings);
    return { registered, started };
  }

  test('the merge of a captured run into the registered one shows its reconciled cost under the registered run\'s project', async () => {
    const org = await lab();
    const { registered, started } = await capturedBeforeClaim(org, '3c1f2c7e-0000-4000-8000-0000000000b1');
    await started();
    const byProject = (await new CostExplorerService(t.db, org, 100).breakdown({ filter: DAY, groupBy: [{ dimension: 'PROJECT' }], granularity: null, metric: 'ACTUAL' }, 10)).nodes;
    assert.deepEqual(byProject.map((r) => [r.keys[0], Number(r.actual)]), [['P1', 0.24]]);
    const [run] = await t.sql<{ actual: string }[]>`select actual_cost::text as actual from runs where org_id = ${org} and id = ${registered}`;
    assert.equal(Number(run.actual), 0.24);
  });

  test('an alert about the captured run names the registered run after the merge', async () => {
    const org = await lab();
    const session = '3c1f2c7e-0000-4000-8000-0000000000b3';
    const { registered, started } = await capturedBeforeClaim(org, session);
    const [captured] = await t.sql<{ id: string }[]>`select id from runs where org_id = ${org} and session_id = ${session}`;
    // what reconcile's drift check raises for a run with an estimate (the captured run's live one)
    await t.sql`insert into alerts (org_id, kind, severity, dedupe_key, title, message, subject)
      values (${org}, 'ESTIMATE_DRIFT', 'WARNING', 'estimate-drift:x', 'RUN estimate over actual by 50%',
              ${`live@1 estimated 0.36 USD for run ${captured.id}; the bill says 0.24 USD.`}, ${JSON.stringify({ runId: captured.id, pipeline: 'nf-core/demo' })}::jsonb)`;
    await started();
    const [alert] = await t.sql<{ subject: { runId: string; pipeline: string }; message: string }[]>`select subject, message from alerts where org_id = ${org}`;
    assert.deepEqual(alert.subject, { runId: registered, pipeline: 'nf-core/demo' });
    assert.equal(alert.message, `live@1 estimated 0.36 USD for run ${registered}; the bill says 0.24 USD.`);
    assert.equal((await t.sql`select id from runs where org_id = ${org} and id = ${captured.id}`).length, 0, 'the captured run is gone');
  });

  test('a late started waits for a reconciliation under way before it merges runs (which would leave allocations on a deleted run)', async () => {
    const org = await lab();
    const { registered, started } = await capturedBeforeClaim(org, '3c1f2c7e-0000-4000-8000-0000000000b2');
    // a reconciliation holds the organization's lock (reconcile-lock.ts), as reconcile() does while it splits
    const holder = postgres(t.url, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = holder.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${0x7265636f}, hashtext(${org}))`;
      locked();
      await held;
    });
    try {
      await isLocked;
      let merged = false;
      const claim = started().then(() => (merged = true));
      // the claim reaches the reconciliation's lock and waits on it (a fixed sleep could end before it got there)
      const first = await Promise.race([
        untilWaitingOnLock(t.sql, '%pg_advisory_xact_lock_shared%', { wait: 'advisory' }).then(() => 'waiting on the lock'),
        claim.then(() => 'merged'),
      ]);
      assert.equal(first, 'waiting on the lock', 'the claim waits for the reconciliation');
      assert.equal(merged, false, 'the claim waits for the reconciliation');
      release();
      await holding;
      await claim;
    } finally {
      release();
      await holder.end();
    }
    const runs = await t.sql<{ id: string; actual: string }[]>`select id, actual_cost::text as actual from runs where org_id = ${org}`;
    assert.deepEqual(runs.map((r) => [r.id, Number(r.actual)]), [[registered, 0.24]]);
  });

  test('one trace uploaded twice at once makes one run; uploaded again with a project, that run takes the project', async () => {
    const org = await lab();
    const [a, b] = await Promise.all([1, 2].map(() => importTrace(t.db, org, Readable.from([TRACE]), settings, { timeZone: 'UTC', fileName: 'trace.txt' })));
    assert.equal(a.runId, b.runId);
    assert.equal([a.repeatOf, b.repeatOf].filter(Boolean).length, 1);
    const [{ runs, tasks }] = await t.sql<{ runs: number; tasks: number }[]>`
      select (select count(*)::int from runs where org_id = ${org}) as runs, (select count(*)::int from tasks where org_id = ${org}) as tasks`;
    assert.deepEqual({ runs, tasks }, { runs: 1, tasks: 300 });

    const again = await importTrace(t.db, org, Readable.from([TRACE]), settings, { timeZone: 'UTC', fileName: 'trace.txt', projectCode: 'P1' });
    assert.equal(again.runId, a.runId);
    const [run] = await t.sql<{ code: string | null }[]>`select p.code from runs r left join projects p on p.id = r.project_id where r.org_id = ${org} and r.id = ${a.runId}`;
    assert.equal(run.code, 'P1');
  });
});
