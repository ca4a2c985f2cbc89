import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { countAlerts } from '../../src/services/alerts.js';
import { AnomalyService, detectAnomalies, detectRecentAnomalies } from '../../src/services/anomalies.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { daysAgo as daysBefore, insertCost } from '../support/spend.js';

/** Deterministic noise (LCG), so a failure reproduces. */
function noise(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const RESOURCE_GROUPS = ['rg-batch', 'rg-storage', 'rg-spike'];
const settings = loadConfig({}).anomalies;
const iso = (d: Date) => d.toISOString().slice(0, 10);
/**
 * The day the tests take for today. Detection reads the newest day of the bill, never the clock, so a
 * fixed day keeps the days the tests insert and the days they expect the same when a run crosses midnight UTC.
 */
const TODAY = new Date('2025-06-16T00:00:00Z');
const daysAgo = (days: number) => daysBefore(days, TODAY);

/** 29 days (28 of history + the checked one) of ±3% noise around a level per resource group; `spike` added on the last day. */
async function seedSeries(db: TestDatabase, orgId: string, spike: { resourceGroup: string; amount: number } | null, seed: number) {
  const rand = noise(seed);
  for (let d = 28; d >= 0; d--) {
    for (const [i, rg] of RESOURCE_GROUPS.entries()) {
      const level = 100 * (i + 1);
      let amount = level * (0.97 + 0.06 * rand());
      if (d === 0 && spike?.resourceGroup === rg) amount += spike.amount;
      await insertCost(db.db, orgId, { day: daysAgo(d + 1), amount: amount.toFixed(2), resourceGroup: rg, serviceName: i === 1 ? 'Storage' : 'Virtual Machines', tags: { study: i === 2 ? 'BRCA' : 'other' } });
    }
  }
}

describe('anomaly detection (robust z-score per dimension)', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  test('an injected spike is found on the right dimension value, with money impact and root cause; others are not flagged', async () => {
    const { organization } = await createOrganization(db.db, { name: 'Spiky', slug: 'spiky' });
    const spikeAmount = 900;
    await seedSeries(db, organization.id, { resourceGroup: 'rg-spike', amount: spikeAmount }, 7);

    const report = await detectAnomalies(db.db, organization.id, settings);
    assert.equal(report.day, iso(daysAgo(1)), 'defaults to the newest day of the bill');
    const byKey = new Map(report.found.map((a) => [`${a.dimension}:${a.dimensionKey}:${a.dimensionValue}`, a]));

    const rg = byKey.get('RESOURCE_GROUP::rg-spike');
    assert.ok(rg, `found: ${[...byKey.keys()].join(', ')}`);
    // expected is the median of ~300/day history; impact ≈ the injected amount (± the noise band)
    assert.ok(Math.abs(Number(rg.expected) - 300) < 10, `expected ${rg.expected}`);
    assert.ok(Math.abs(Number(rg.impact) - spikeAmount) < 20, `impact ${rg.impact}`);
    assert.ok(rg.score >= settings.threshold);
    assert.equal(rg.historyDays, 28);
    for (const other of ['rg-batch', 'rg-storage']) assert.equal(byKey.has(`RESOURCE_GROUP::${other}`), false, `${other} is not an anomaly`);
    assert.equal(byKey.has('SERVICE::Storage'), false);

    // the organization-wide anomaly names the resource group (and its tag) as the root cause
    const org = byKey.get('ORGANIZATION::');
    assert.ok(org);
    const topRg = org.contributors.find((c) => c.dimension === 'RESOURCE_GROUP');
    assert.equal(topRg?.value, 'rg-spike');
    assert.ok(org.contributors.some((c) => c.dimension === 'TAG' && c.key === 'study' && c.value === 'BRCA'));

    // each anomaly raised one alert; a re-run raises nothing more and keeps feedback
    const alerts = await countAlerts(db.db, organization.id, 'anomaly:');
    assert.equal(alerts, report.found.length);
    const service = new AnomalyService(db.db, organization.id, 100);
    const marked = await service.giveFeedback(rg.id, 'EXPECTED', organization.id, 'new cohort started');
    assert.equal(marked.feedback, 'EXPECTED');
    const again = await detectAnomalies(db.db, organization.id, settings);
    assert.equal(again.found.length, report.found.length);
    assert.equal(await countAlerts(db.db, organization.id, 'anomaly:'), alerts);
    assert.equal((await service.get(rg.id)).feedbackNote, 'new cohort started');
  });

  test('a flat, noisy series raises nothing', async () => {
    const { organization } = await createOrganization(db.db, { name: 'Flat', slug: 'flat' });
    await seedSeries(db, organization.id, null, 11);
    const report = await detectAnomalies(db.db, organization.id, settings);
    assert.ok(report.series > 0);
    assert.deepEqual(report.found.map((a) => `${a.dimension}:${a.dimensionValue}:${a.score}`), []);
  });

  test('a day detected again after its bill was restated clears what no longer stands out: its alert resolved, its cooldown released', async () => {
    const { organization } = await createOrganization(db.db, { name: 'Restated', slug: 'restated' });
    const org = organization.id;
    await seedSeries(db, org, { resourceGroup: 'rg-spike', amount: 900 }, 21);
    const first = await detectAnomalies(db.db, org, settings);
    const flagged = first.found.map((a) => `${a.dimension}:${a.dimensionValue}`).sort();
    assert.ok(flagged.includes('RESOURCE_GROUP:rg-spike'), flagged.join());
    const spikeAlert = first.found.find((a) => a.dimensionValue === 'rg-spike')!.alertId!;
    const service = new AnomalyService(db.db, org, 100);
    // someone looked at the organization-level one before the bill changed
    const annotated = first.found.find((a) => a.dimension === 'ORGANIZATION');
    assert.ok(annotated, 'the spike stands out for the whole organization too');
    await service.giveFeedback(annotated.id, 'EXPECTED', randomUUID(), 'preliminary line');

    // the restatement takes the spike out of the checked day (a replacing import or a sync window does this)
    const day = iso(daysAgo(1));
    await db.db.execute(`update cost_records set billed_cost = billed_cost - 900 where org_id = '${org}' and resource_group = 'rg-spike' and charge_period_start = '${day}'`);
    const again = await detectAnomalies(db.db, org, settings);
    assert.deepEqual(again.found, []);
    assert.equal(again.cleared, flagged.length);
    const listed = (await service.list({}, 100)).nodes.map((a) => `${a.dimension}:${a.dimensionValue}`);
    assert.deepEqual(listed, ['ORGANIZATION:'], 'only the one with feedback stays');
    const states = await db.db.execute<{ state: string; cooldown_key: string | null; resolution: string | null }>(
      `select state, cooldown_key, resolution from alerts where org_id = '${org}' and kind = 'ANOMALY'`,
    );
    assert.equal(states.length, flagged.length);
    for (const a of states) {
      assert.equal(a.state, 'RESOLVED');
      assert.equal(a.cooldown_key, null);
      assert.match(a.resolution!, /restated/);
    }

    // the real late lines arrive: the day stands out again, and that alerts again
    await db.db.execute(`update cost_records set billed_cost = billed_cost + 900 where org_id = '${org}' and resource_group = 'rg-spike' and charge_period_start = '${day}'`);
    const back = await detectAnomalies(db.db, org, settings, { day });
    const backSpike = back.found.find((a) => a.dimensionValue === 'rg-spike');
    assert.ok(backSpike?.alertId, 'the spike that came back raised an alert');
    assert.notEqual(backSpike.alertId, spikeAlert);
    await db.db.execute(`update cost_records set billed_cost = billed_cost - 900 where org_id = '${org}' and resource_group = 'rg-spike' and charge_period_start = '${day}'`);
    await detectAnomalies(db.db, org, settings, { day });

    // a real spike on the next day alerts: the cleared one holds no cooldown
    await insertCost(db.db, org, { day: daysAgo(0), amount: '1500', resourceGroup: 'rg-spike', serviceName: 'Virtual Machines', tags: { study: 'BRCA' } });
    const next = await detectAnomalies(db.db, org, settings, { day: iso(daysAgo(0)) });
    const nextSpike = next.found.find((a) => a.dimensionValue === 'rg-spike');
    assert.ok(nextSpike?.alertId, 'the next day\'s spike raised an alert');
    assert.notEqual(nextSpike.alertId, spikeAlert);
  });

  test('the scheduled detection checks the days before the newest too: a spike on a day no longer newest is found once its lines are in', async () => {
    const { organization } = await createOrganization(db.db, { name: 'Filling', slug: 'filling' });
    const org = organization.id;
    await seedSeries(db, org, null, 5);
    // today's first partial lines make today the newest day; yesterday's late lines carry a spike
    await insertCost(db.db, org, { day: daysAgo(0), amount: '20', resourceGroup: 'rg-batch' });
    await insertCost(db.db, org, { day: daysAgo(1), amount: '2000', resourceGroup: 'rg-spike', serviceName: 'Virtual Machines', tags: { study: 'BRCA' } });
    assert.deepEqual((await detectAnomalies(db.db, org, settings)).found, [], 'the newest day alone shows nothing');
    const reports = await detectRecentAnomalies(db.db, org, settings);
    assert.deepEqual(reports.map((r) => r.day), [iso(daysAgo(2)), iso(daysAgo(1)), iso(daysAgo(0))]);
    const found = reports.flatMap((r) => r.found.map((a) => `${a.day}:${a.dimension}:${a.dimensionValue}`));
    assert.ok(found.includes(`${iso(daysAgo(1))}:RESOURCE_GROUP:rg-spike`), found.join());
    assert.equal(await countAlerts(db.db, org, `anomaly:RESOURCE_GROUP::rg-spike:`), 1);
    // again (the next sync's reconciliation): nothing new
    const again = await detectRecentAnomalies(db.db, org, settings);
    assert.equal(await countAlerts(db.db, org, 'anomaly:'), reports.flatMap((r) => r.found).length);
    assert.deepEqual(again.flatMap((r) => r.found.map((a) => a.id)).sort(), reports.flatMap((r) => r.found.map((a) => a.id)).sort());
  });

  test('another organization sees none of them', async () => {
    const { organization } = await createOrganization(db.db, { name: 'Nosy', slug: 'nosy' });
    const page = await new AnomalyService(db.db, organization.id, 100).list({}, 100);
    assert.deepEqual(page.nodes, []);
    assert.deepEqual((await detectAnomalies(db.db, organization.id, settings)).found, []);
  });
});
