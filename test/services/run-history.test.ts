import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { tasks } from '../../src/db/schema/index.js';
import { billedRuns, pricedRuns } from '../../src/services/history.js';
import { createOrganization } from '../../src/services/organizations.js';
import { ProjectService } from '../../src/services/projects.js';
import { reconcile } from '../../src/services/reconcile.js';
import { RunService } from '../../src/services/runs.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const VM = 'Standard_D4_v3';
const HOUR = 3_600_000;
const T0 = Date.parse('2026-10-01T08:00:00Z');
type Status = 'COMPLETED' | 'FAILED' | 'ABORTED' | 'CACHED';

describe('run history: what each finished run cost, for run-level models', () => {
  let db: TestDatabase;
  let orgId: string;
  let otherOrg: string;
  const ids: Record<string, string> = {};
  let hourly: number;

  interface RunOpts {
    org?: string;
    pipeline?: string;
    status?: string;
    actual?: string;
    currency?: string;
    /** Submitted, started and completed, ms. */
    at: number;
    end?: number;
    inputBytes?: number;
    tasks?: [Status, number | null, string?][];
  }

  async function run(name: string, o: RunOpts) {
    const org = o.org ?? orgId;
    const r = await new RunService(db.db, org, 500).register({ projectCode: 'P', pipeline: o.pipeline ?? 'atac', sampleCount: 2, inputBytes: o.inputBytes ?? 5e9, runName: name });
    await db.db.execute(sql`update runs set status = ${o.status ?? 'SUCCEEDED'}::run_status, actual_cost = ${o.actual ?? null}::numeric, currency = ${o.currency ?? 'USD'},
      submitted_at = ${new Date(o.at).toISOString()}::timestamptz, started_at = ${new Date(o.at).toISOString()}::timestamptz,
      completed_at = ${new Date(o.end ?? o.at + 2 * HOUR).toISOString()}::timestamptz
      where org_id = ${org} and id = ${r.id}`);
    const list = o.tasks ?? [];
    if (list.length > 0) {
      await db.db.insert(tasks).values(list.map(([status, wallMs, vmSize], i) => ({
        orgId: org, runId: r.id, taskId: i + 1, process: 'ALIGN', status, source: 'trace' as const,
        submittedAt: new Date(o.at), startedAt: wallMs === null ? null : new Date(o.at), realtimeMs: wallMs,
        // 2 of the VM's 4 vCPUs: half its price per hour
        cpus: 2, vmSize: vmSize ?? VM, priority: 'DEDICATED' as const,
      })));
    }
    ids[name] = r.id;
  }

  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'Runs', slug: 'runs' })).organization.id;
    otherOrg = (await createOrganization(db.db, { name: 'Other', slug: 'runs-other' })).organization.id;
    for (const org of [orgId, otherOrg]) await new ProjectService(db.db, org).create({ code: 'P', name: 'p' });
    // one reconciliation of [T0 − 1 h, T0 + 6 h): a run inside it is reconciled in full
    for (const org of [orgId, otherOrg]) {
      await reconcile(db.db, org, { from: new Date(T0 - HOUR), to: new Date(T0 + 6 * HOUR) }, { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' });
    }
    await run('billed', { at: T0 + 1000, actual: '3.1234567891', tasks: [['COMPLETED', HOUR]] });
    // registered after it, but submitted first: history is in time order
    await run('priced', { at: T0, inputBytes: 8e9, tasks: [['COMPLETED', HOUR], ['FAILED', HOUR / 2], ['ABORTED', null]] });
    await run('partial', { at: T0 + 2000, actual: '1.5', end: T0 + 7 * HOUR, tasks: [['COMPLETED', HOUR]] });
    await run('failedUnpriced', { at: T0 + 3000, tasks: [['COMPLETED', HOUR], ['FAILED', 10 * HOUR, 'Standard_Unknown_v9']] });
    await run('resumed', { at: T0 + 4000, actual: '1', tasks: [['CACHED', HOUR], ['COMPLETED', HOUR]] });
    await run('running', { at: T0 + 5000, status: 'RUNNING', actual: '1', tasks: [['COMPLETED', HOUR]] });
    await run('euro', { at: T0 + 6000, actual: '2', currency: 'EUR', tasks: [['COMPLETED', HOUR]] });
    await run('otherPipeline', { at: T0 + 7000, pipeline: 'sarek', actual: '4', tasks: [['COMPLETED', 2 * HOUR]] });
    await run('theirs', { org: otherOrg, at: T0 + 8000, actual: '9', tasks: [['COMPLETED', HOUR]] });
    [{ hourly }] = (await db.db.execute(sql`select price_per_hour::float8 as hourly from prices
      where provider = 'azure' and vm_size = ${VM} and priority = 'DEDICATED' order by effective_from desc limit 1`)) as unknown as { hourly: number }[];
  });
  after(() => db.drop());

  const names = (list: { runId: string }[]) => list.map((r) => Object.keys(ids).find((k) => ids[k] === r.runId));

  test('billed: runs a reconciliation holds from start to end, at their actual cost (not their tasks\')', async () => {
    const billed = await billedRuns(db.db, orgId, 'atac');
    assert.deepEqual(names(billed), ['billed']);
    assert.equal(billed[0].cost, 3.1234567891);
    assert.deepEqual(billed[0].features, { process: 'atac', sampleCount: 2, inputBytes: 5e9 });
    assert.equal(billed[0].at, T0 + 1000);
    assert.deepEqual(names(await billedRuns(db.db, orgId)), ['billed', 'otherPipeline']);
    assert.deepEqual(names(await billedRuns(db.db, orgId, 'sarek')), ['otherPipeline']);
  });

  test('priced: every attempt that ran at the price sheet, in time order; a run with an attempt that cannot be priced is left out', async () => {
    const priced = await pricedRuns(db.db, orgId, ['atac']);
    assert.deepEqual(names(priced), ['priced', 'billed', 'partial']);
    // 1 h completed + 0.5 h failed, at half the VM; the aborted attempt never ran
    assert.ok(Math.abs(priced[0].cost - hourly * 0.5 * 1.5) < 1e-9, `${priced[0].cost} against ${hourly * 0.75}`);
    assert.equal(priced[0].features.inputBytes, 8e9);
    assert.ok(Math.abs(priced[1].cost - hourly * 0.5) < 1e-9);
    assert.deepEqual(names(await pricedRuns(db.db, orgId, ['sarek'])), ['otherPipeline']);
    assert.deepEqual(await pricedRuns(db.db, orgId, []), []);
  });

  test('left out of both: a resumed run, a run still running, another currency, another organization', async () => {
    const seen = new Set([...(await billedRuns(db.db, orgId)), ...(await pricedRuns(db.db, orgId, ['atac', 'sarek']))].map((r) => r.runId));
    for (const k of ['resumed', 'running', 'euro', 'theirs', 'failedUnpriced']) assert.ok(!seen.has(ids[k]), k);
    assert.deepEqual(names(await billedRuns(db.db, otherOrg)), ['theirs']);
    assert.deepEqual(names(await pricedRuns(db.db, otherOrg, ['atac'])), ['theirs']);
  });

  test('a run in the organization\'s own currency counts: EUR runs for a EUR organization', async () => {
    const eur = (await createOrganization(db.db, { name: 'Euro', slug: 'runs-eur', currency: 'EUR' })).organization.id;
    await new ProjectService(db.db, eur).create({ code: 'P', name: 'p' });
    await reconcile(db.db, eur, { from: new Date(T0 - HOUR), to: new Date(T0 + 6 * HOUR) }, { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' });
    await run('eurBilled', { org: eur, at: T0, actual: '2', currency: 'EUR', tasks: [['COMPLETED', HOUR]] });
    await run('usdInEur', { org: eur, at: T0 + 1, actual: '2', currency: 'USD', tasks: [['COMPLETED', HOUR]] });
    assert.deepEqual(names(await billedRuns(db.db, eur)), ['eurBilled']);
    // the shipped prices are in USD: a EUR run's tasks cannot be priced in its currency
    assert.deepEqual(await pricedRuns(db.db, eur, ['atac']), []);
  });
});
