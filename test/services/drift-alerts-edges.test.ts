/** Edge cases found in review for the drift-alert lifecycle on existing data (session 23). */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { tasks } from '../../src/db/schema/index.js';
import { AlertService, raiseAlert } from '../../src/services/alerts.js';
import { createOrganization } from '../../src/services/organizations.js';
import { PoolService } from '../../src/services/pools.js';
import { ProjectService } from '../../src/services/projects.js';
import { reconcile } from '../../src/services/reconcile.js';
import { RunService } from '../../src/services/runs.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { DAY, DAY1, DAY2, HOUR, POOL, RESOURCE, SHARE, TASKS, VM } from '../support/midnight-run.js';

describe('drift alerts on existing data', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  /** An org with one finished run across midnight, quoted 5 USD (the bill will say 1.92: +160%). */
  async function setup(slug: string) {
    const org = (await createOrganization(db.db, { name: slug, slug })).organization.id;
    await new ProjectService(db.db, org).create({ code: 'P', name: 'p' });
    await new PoolService(db.db, org).declare({ name: POOL, region: 'westeurope', vmSize: VM, priority: 'DEDICATED', resourceId: RESOURCE });
    const runId = (await new RunService(db.db, org, 500).register({ projectCode: 'P', pipeline: 'wgs', sampleCount: 1, inputBytes: 1e10, runName: 'r' })).id;
    await db.db.execute(sql`update runs set status = 'SUCCEEDED', started_at = ${new Date(TASKS[0].start).toISOString()}::timestamptz,
      completed_at = ${new Date(TASKS[2].end).toISOString()}::timestamptz where org_id = ${org} and id = ${runId}`);
    await db.db.insert(tasks).values(TASKS.map((x, i) => ({
      orgId: org, runId, taskId: i + 1, process: 'CALL', source: 'trace' as const, status: 'COMPLETED' as const,
      submittedAt: new Date(x.start), startedAt: new Date(x.start), completedAt: new Date(x.end), realtimeMs: x.end - x.start,
      cpus: 2, vmSize: VM, priority: 'DEDICATED' as const, pool: POOL,
    })));
    await db.db.execute(sql`delete from estimates where org_id = ${org} and run_id = ${runId}`);
    const [est] = (await db.db.execute(sql`insert into estimates (org_id, run_id, kind, model_name, model_version, value, currency, created_at)
      values (${org}, ${runId}, 'QUOTE', 'price-sheet', '1', 5.00, 'USD', ${new Date(TASKS[0].start - DAY).toISOString()}::timestamptz) returning id`)) as unknown as { id: string }[];
    return { org, runId, estimateId: est.id };
  }
  async function loadBill(org: string, from: number, to: number, currency = 'USD') {
    await db.db.execute(sql`select cost_records_ensure_partitions(${new Date(from).toISOString()}, ${new Date(to).toISOString()})`);
    for (let h = from; h < to; h += HOUR) {
      await db.db.execute(sql`delete from cost_records where org_id = ${org} and charge_period_start = ${new Date(h).toISOString()}::timestamptz`);
      await db.db.execute(sql`
        insert into cost_records (org_id, provider, resource_id, charge_period_start, charge_period_end, billed_cost, currency, consumed_quantity, consumed_unit, source, row_hash)
        values (${org}, 'azure', ${RESOURCE}, ${new Date(h).toISOString()}::timestamptz, ${new Date(h + HOUR).toISOString()}::timestamptz, 0.192, ${currency}, 1, '1 Hour', 'file',
          md5(${org}::text || ${String(h)} || ${currency})::uuid)`);
    }
  }
  const unresolvedDrift = async (org: string) => [...
    (await db.db.execute(sql`select id, dedupe_key, state from alerts where org_id = ${org} and kind = 'ESTIMATE_DRIFT' and state <> 'RESOLVED'`)) as unknown as { id: string; dedupe_key: string }[]];

  test('a drift alert a person resolved before the upgrade (keyed by estimate) is not raised again for the same run and estimate', async () => {
    const { org, runId, estimateId } = await setup('legacy-resolved');
    // what the code before 9281e15 raised (one per estimate, this key), then dismissed by a person
    const legacy = await db.db.transaction((tx) => raiseAlert(tx, org, {
      kind: 'ESTIMATE_DRIFT', severity: 'CRITICAL', dedupeKey: `estimate-drift:${estimateId}`, title: 'QUOTE estimate over actual by 160.4%',
      message: `price-sheet@1 estimated 5.00 USD for run ${runId}; the bill says 1.92 USD.`,
      subject: { runId, estimateId, pipeline: 'wgs', modelName: 'price-sheet', modelVersion: '1' },
      details: { kind: 'QUOTE', estimated: '5.00', actual: '1.92', currency: 'USD', errorRatio: '1.604', threshold: 0.2 },
    }));
    await new AlertService(db.db, org, 100).resolve(legacy!.id, randomUUID(), 'known: quote was for 2 samples');
    await loadBill(org, DAY1, DAY2 + DAY);
    // a later sync's reconciliation covering the run's days again
    const rec = await reconcile(db.db, org, { from: new Date(DAY1), to: new Date(DAY2 + DAY) }, SHARE);
    const open = await unresolvedDrift(org);
    assert.deepEqual(open, [], `reconciliation raised ${rec.driftAlerts} new alert(s) for the drift a person already resolved`);
  });

  test('a drift alert whose run lost its actual (bill restated in another currency) does not stay open', async () => {
    const { org } = await setup('lost-actual');
    await loadBill(org, DAY1, DAY2 + DAY);
    const rec = await reconcile(db.db, org, { from: new Date(DAY1), to: new Date(DAY2 + DAY) }, SHARE);
    assert.equal(rec.driftAlerts, 1);
    await loadBill(org, DAY1, DAY2 + DAY, 'EUR');
    await reconcile(db.db, org, { from: new Date(DAY1), to: new Date(DAY2 + DAY) }, SHARE);
    const [r] = (await db.db.execute(sql`select actual_cost from runs where org_id = ${org}`)) as unknown as { actual_cost: string | null }[];
    const [e] = (await db.db.execute(sql`select count(*)::int as n from estimate_errors where org_id = ${org}`)) as unknown as { n: number }[];
    assert.equal(r.actual_cost, null);
    assert.equal(e.n, 0);
    assert.deepEqual(await unresolvedDrift(org), [], 'the alert still says the quote is 160% over a bill the run no longer has');
  });
});
