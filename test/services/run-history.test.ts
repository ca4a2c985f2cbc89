import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { tasks } from '../../src/db/schema/index.js';
import { runHistory } from '../../src/services/history.js';
import { createOrganization } from '../../src/services/organizations.js';
import { ProjectService } from '../../src/services/projects.js';
import { RunService } from '../../src/services/runs.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const VM = 'Standard_D4_v3';
const T0 = Date.parse('2026-10-01T08:00:00Z');

describe('run history: what each finished run cost, for run-level models', () => {
  let db: TestDatabase;
  let orgId: string;
  let otherOrg: string;
  const ids: Record<string, string> = {};
  let hourly: string;

  async function run(org: string, name: string, status: string, opts: { actual?: string; currency?: string; at: number; inputBytes?: number }) {
    const r = await new RunService(db.db, org, 500).register({ projectCode: 'P', pipeline: 'atac', sampleCount: 2, inputBytes: opts.inputBytes ?? 5e9, runName: name });
    await db.db.execute(sql`update runs set status = ${status}::run_status, actual_cost = ${opts.actual ?? null}::numeric,
      currency = ${opts.currency ?? 'USD'}, submitted_at = ${new Date(opts.at).toISOString()}::timestamptz where org_id = ${org} and id = ${r.id}`);
    return r.id;
  }

  const task = (runId: string, taskId: number, status: 'COMPLETED' | 'FAILED', realtimeMs: number, vmSize: string | null = VM) => ({
    orgId, runId, taskId, process: 'ALIGN', status, source: 'trace' as const,
    submittedAt: new Date(T0), startedAt: new Date(T0), realtimeMs, cpus: 2, vmSize, priority: 'DEDICATED' as const,
  });

  before(async () => {
    db = await createTestDatabase();
    orgId = (await createOrganization(db.db, { name: 'Runs', slug: 'runs' })).organization.id;
    otherOrg = (await createOrganization(db.db, { name: 'Other', slug: 'runs-other' })).organization.id;
    await new ProjectService(db.db, orgId).create({ code: 'P', name: 'p' });
    await new ProjectService(db.db, otherOrg).create({ code: 'P', name: 'p' });
    ids.reconciled = await run(orgId, 'reconciled', 'SUCCEEDED', { actual: '3.1234567891', at: T0 });
    ids.priced = await run(orgId, 'priced', 'SUCCEEDED', { at: T0 + 1000, inputBytes: 8e9 });
    ids.unpriced = await run(orgId, 'unpriced', 'SUCCEEDED', { at: T0 + 2000 });
    ids.running = await run(orgId, 'running', 'RUNNING', { actual: '1', at: T0 + 3000 });
    ids.euro = await run(orgId, 'euro', 'SUCCEEDED', { actual: '2', currency: 'EUR', at: T0 + 4000 });
    ids.theirs = await run(otherOrg, 'theirs', 'SUCCEEDED', { actual: '9', at: T0 + 5000 });
    await db.db.insert(tasks).values([
      // 2 of the VM's 4 vCPUs: half its price per hour; the failed attempt was paid for too
      task(ids.priced, 1, 'COMPLETED', 3_600_000),
      task(ids.priced, 2, 'FAILED', 1_800_000),
      task(ids.unpriced, 1, 'COMPLETED', 3_600_000),
      task(ids.unpriced, 2, 'COMPLETED', 3_600_000, 'Standard_Unknown_v9'),
    ]);
    [{ hourly }] = (await db.db.execute(sql`select price_per_hour::text as hourly from prices
      where provider = 'azure' and vm_size = ${VM} and priority = 'DEDICATED' order by effective_from desc limit 1`)) as unknown as { hourly: string }[];
  });
  after(() => db.drop());

  test('a reconciled run counts its actual cost; one not reconciled, its tasks at the price sheet; in time order', async () => {
    const history = await runHistory(db.db, orgId);
    assert.deepEqual(history.map((r) => r.runId), [ids.reconciled, ids.priced]);
    const [reconciled, priced] = history;
    assert.equal(reconciled.cost, 3.1234567891);
    assert.equal(reconciled.reconciled, true);
    assert.deepEqual(reconciled.features, { process: 'atac', sampleCount: 2, inputBytes: 5e9 });
    assert.equal(priced.reconciled, false);
    // 1 h + 0.5 h at half the VM
    assert.ok(Math.abs(priced.cost - Number(hourly) * 0.5 * 1.5) < 1e-9, `${priced.cost} against ${Number(hourly) * 0.75}`);
    assert.equal(priced.features.inputBytes, 8e9);
    assert.equal(priced.at, T0 + 1000);
  });

  test('left out: a completed task without a price, a run still running, another currency, another organization', async () => {
    const seen = new Set((await runHistory(db.db, orgId)).map((r) => r.runId));
    for (const k of ['unpriced', 'running', 'euro', 'theirs']) assert.ok(!seen.has(ids[k]), k);
    assert.deepEqual((await runHistory(db.db, otherOrg)).map((r) => r.runId), [ids.theirs]);
    assert.deepEqual(await runHistory(db.db, orgId, 'no-such-pipeline'), []);
  });
});
