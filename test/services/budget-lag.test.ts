import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { evaluateBudgets } from '../../src/services/budget-evaluation.js';
import { BudgetService } from '../../src/services/budgets.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { insertCost, insertRun } from '../support/spend.js';

/**
 * Budgets against a bill that lags the clock: lines of a month's last days arrive after it ends,
 * a finished run is partly on the bill, the days not billed yet are not days without spend.
 */
const DAY_MS = 86_400_000;
const jan = (d: number, h = 0) => new Date(Date.UTC(2025, 0, d, h));

describe('budgets against a lagging bill', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  const newOrg = async (slug: string) => (await createOrganization(db.db, { name: slug, slug })).organization.id;
  /** The organization's budgets as if created (and last changed) at `at`. */
  const setSince = (org: string, at: Date) => db.db.execute(`update budgets set created_at = '${at.toISOString()}', updated_at = '${at.toISOString()}' where org_id = '${org}'`);
  const keysOf = (raised: { dedupeKey: string }[]) => raised.map((a) => a.dedupeKey.split(':').slice(2, 5).join(':'));

  test('a month breached by lines that arrive after it ends still raises its alerts, until the grace has passed', async () => {
    const org = await newOrg('late-lines');
    const budgets = new BudgetService(db.db, org);
    await budgets.create({ name: 'Lab', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '1000', currency: 'USD', thresholds: [{ percent: 80, basis: 'ACTUAL' }, { percent: 100, basis: 'ACTUAL' }] });
    await setSince(org, jan(1));
    for (let d = 1; d <= 29; d++) await insertCost(db.db, org, { day: jan(d), amount: '25' });
    assert.deepEqual((await evaluateBudgets(db.db, org, { at: jan(30, 12) })).raised, []);

    // Jan 30 and 31 are billed on Feb 2: 725 + 400 = 1125 of January's 1000
    for (const d of [30, 31]) await insertCost(db.db, org, { day: jan(d), amount: '200' });
    const late = await evaluateBudgets(db.db, org, { at: new Date('2025-02-02T06:00:00Z') });
    assert.deepEqual(keysOf(late.raised), ['ACTUAL:80:2025-01', 'ACTUAL:100:2025-01']);
    assert.equal(late.raised[1].details.total, '1125');
    assert.deepEqual((await evaluateBudgets(db.db, org, { at: new Date('2025-02-03T06:00:00Z') })).raised, [], 'raised once');

    // a week after January, its lines are final: a correction then raises nothing for it
    const other = await newOrg('late-lines-closed');
    await new BudgetService(db.db, other).create({ name: 'Lab', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '1000', currency: 'USD', thresholds: [{ percent: 100, basis: 'ACTUAL' }] });
    await setSince(other, jan(1));
    await insertCost(db.db, other, { day: jan(31), amount: '1500' });
    assert.deepEqual((await evaluateBudgets(db.db, other, { at: new Date('2025-02-09T00:00:00Z') })).raised, []);
  });

  test('a budget created, or changed, after a month ended is not judged on that month', async () => {
    const org = await newOrg('late-budget');
    await insertCost(db.db, org, { day: jan(20), amount: '1500' });
    const budgets = new BudgetService(db.db, org);
    const budget = await budgets.create({ name: 'Lab', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '1000', currency: 'USD', thresholds: [{ percent: 100, basis: 'ACTUAL' }] });
    await setSince(org, new Date('2025-02-02T00:00:00Z'));
    assert.deepEqual((await evaluateBudgets(db.db, org, { at: new Date('2025-02-03T00:00:00Z') })).raised, [], 'created in February');

    // set in January at 2000, which January stayed under; lowered to 1000 after January ended
    await budgets.update(budget.id, { amount: '2000' });
    await setSince(org, jan(1));
    assert.deepEqual((await evaluateBudgets(db.db, org, { at: jan(31, 12) })).raised, [], '1500 of 2000');
    await budgets.update(budget.id, { amount: '1000' });
    assert.deepEqual((await evaluateBudgets(db.db, org, { at: new Date('2025-02-03T06:00:00Z') })).raised, [], 'lowered after January ended');
  });

  test('raising the amount after an alert: crossing the new amount alerts again, once', async () => {
    const org = await newOrg('amount-raised');
    const budgets = new BudgetService(db.db, org);
    const budget = await budgets.create({ name: 'Lab', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '1000', currency: 'USD', thresholds: [{ percent: 100, basis: 'ACTUAL' }] });
    await insertCost(db.db, org, { day: jan(10), amount: '1100' });
    assert.equal((await evaluateBudgets(db.db, org, { at: jan(11) })).raised.length, 1);

    await budgets.update(budget.id, { amount: '2000.00' });
    assert.deepEqual((await evaluateBudgets(db.db, org, { at: jan(12) })).raised, [], '1100 of 2000');
    await insertCost(db.db, org, { day: jan(20), amount: '1100' });
    const again = await evaluateBudgets(db.db, org, { at: jan(21) });
    assert.equal(again.raised.length, 1, '2200 of the new 2000');
    assert.match(again.raised[0].dedupeKey, /:2000 USD$/);
    assert.deepEqual((await evaluateBudgets(db.db, org, { at: jan(22) })).raised, []);
    // back to the amount it already alerted at: nothing new
    await budgets.update(budget.id, { amount: '1000' });
    assert.deepEqual((await evaluateBudgets(db.db, org, { at: jan(23) })).raised, []);
  });

  test('committed holds what of a run the bill cannot hold yet: a finished run by its time after the bill, a running one less what was reconciled', async () => {
    const org = await newOrg('committed');
    // the bill reaches Jan 12 00:00
    for (let d = 1; d <= 11; d++) await insertCost(db.db, org, { day: jan(d), amount: '10' });
    // a month's support plan, charged for the whole month on its first day, does not make the bill reach further
    await db.db.execute(`insert into cost_records (org_id, provider, charge_period_start, charge_period_end, billed_cost, currency, source, row_hash)
      values ('${org}', 'Microsoft', '2025-01-01', '2025-02-01', 0, 'USD', 'file', gen_random_uuid())`);
    // Jan 10 00:00 → Jan 13 00:00, estimated 1000: two of its three days are on the bill
    await insertRun(db.db, org, { status: 'SUCCEEDED', startedAt: jan(10), completedAt: jan(13), estimatedCost: '1000' });
    // ended before the bill's end, not reconciled yet: all of it on the bill
    await insertRun(db.db, org, { status: 'SUCCEEDED', startedAt: jan(5), completedAt: jan(6), estimatedCost: '70' });
    // after the bill's end: all of it to come
    await insertRun(db.db, org, { status: 'FAILED', startedAt: jan(12, 6), completedAt: jan(12, 18), estimatedCost: '40' });
    // still running, 200 of its 500 reconciled so far
    await insertRun(db.db, org, { status: 'RUNNING', startedAt: jan(9), estimatedCost: '500', actualCost: '200' });
    // finished and reconciled, but with no end known (reconciliation has touched it since): nothing
    await insertRun(db.db, org, { status: 'SUCCEEDED', startedAt: jan(3), estimatedCost: '100', actualCost: '90' });
    // a running run that already cost more than its estimate adds nothing
    await insertRun(db.db, org, { status: 'RUNNING', startedAt: jan(9), estimatedCost: '50', actualCost: '60' });
    await db.db.execute(`update runs set currency = 'USD', updated_at = '2025-01-13T00:00:00Z' where org_id = '${org}'`);

    const budgets = new BudgetService(db.db, org);
    const budget = await budgets.create({ name: 'Lab', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '5000', currency: 'USD', thresholds: [] });
    const spend = await budgets.spend(budget, jan(13, 12));
    assert.equal(Number(spend.billed), 110);
    const third = Number((1000 / 3).toFixed(10));
    assert.equal(Number(spend.committed), Number((third + 40 + 300).toFixed(10)));
  });

  test('a project budget commits what a running run is estimated beyond what reconciliation allocated it', async () => {
    const org = await newOrg('committed-project');
    const [{ id: projectId }] = await db.db.execute<{ id: string }>(`insert into projects (org_id, code, name) values ('${org}', 'P-1', 'P-1') returning id`);
    await insertRun(db.db, org, { projectId, status: 'RUNNING', startedAt: jan(9), estimatedCost: '500', actualCost: '200' });
    await insertRun(db.db, org, { projectId, status: 'SUCCEEDED', startedAt: jan(3), completedAt: jan(4), estimatedCost: '80', actualCost: '95' });
    await insertRun(db.db, org, { projectId, status: 'SUCCEEDED', startedAt: jan(5), completedAt: jan(6), estimatedCost: '30' });
    await db.db.execute(`update runs set currency = 'USD' where org_id = '${org}'`);
    const budgets = new BudgetService(db.db, org);
    const budget = await budgets.create({ name: 'P', scope: { kind: 'PROJECT', projectCode: 'P-1' }, period: 'MONTH', amount: '5000', currency: 'USD', thresholds: [] });
    const spend = await budgets.spend(budget, jan(13));
    assert.equal(Number(spend.billed), 295);
    assert.equal(Number(spend.committed), 330);
  });

  test('the forecast learns from billed days only and forecasts the days the bill has not reached', async () => {
    const steady = async (slug: string, billedThrough: Date) => {
      const org = await newOrg(slug);
      for (let t = Date.UTC(2024, 11, 1); t <= billedThrough.getTime(); t += DAY_MS) await insertCost(db.db, org, { day: new Date(t), amount: '100' });
      const budgets = new BudgetService(db.db, org);
      const budget = await budgets.create({ name: 'Lab', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '5000', currency: 'USD', thresholds: [] });
      return budgets.forecast(budget, jan(20, 12));
    };
    for (const [slug, through] of [['no-lag', jan(19)], ['lag-1', jan(18)], ['lag-2', jan(17)]] as const) {
      const f = await steady(slug, through);
      assert.equal(Number(f.value), 3100, `${slug}: ${f.value}`);
      assert.ok(Number(f.low) <= 3100 && 3100 <= Number(f.high), `${slug}: [${f.low}, ${f.high}]`);
    }
  });

  test('runs in flight on the unbilled days count where they exceed what the trend expects of those days', async () => {
    const org = await newOrg('lag-and-runs');
    for (let t = Date.UTC(2024, 11, 1); t <= jan(17).getTime(); t += DAY_MS) await insertCost(db.db, org, { day: new Date(t), amount: '100' });
    // a 600 run on Jan 19, after the bill's end (Jan 18): the trend expects 200 of the unbilled past days, Jan 18 and 19
    await insertRun(db.db, org, { status: 'SUCCEEDED', startedAt: jan(19, 2), completedAt: jan(19, 8), estimatedCost: '600' });
    await db.db.execute(`update runs set currency = 'USD' where org_id = '${org}'`);
    const budgets = new BudgetService(db.db, org);
    const budget = await budgets.create({ name: 'Lab', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '5000', currency: 'USD', thresholds: [] });
    const f = await budgets.forecast(budget, jan(20, 12));
    // billed 1700 + trend for Jan 18–31 (1400) + what the run exceeds the trend's Jan 18–19 (600 − 200)
    assert.equal(Number(f.value), 1700 + 1400 + 400);
  });

  test('a custom budget that starts later is forecast over its own days only', async () => {
    const org = await newOrg('custom-future');
    for (let t = Date.UTC(2024, 11, 1); t <= jan(14).getTime(); t += DAY_MS) await insertCost(db.db, org, { day: new Date(t), amount: '10' });
    const budgets = new BudgetService(db.db, org);
    const budget = await budgets.create({
      name: 'March', scope: { kind: 'ORGANIZATION' }, period: 'CUSTOM', startsAt: new Date('2025-03-01T00:00:00Z'), endsAt: new Date('2025-04-01T00:00:00Z'), amount: '5000', currency: 'USD', thresholds: [],
    });
    const f = await budgets.forecast(budget, jan(15, 12));
    assert.equal(Number(f.value), 310);
  });

  test('a CUSTOM budget can move to a calendar period, leaving its range', async () => {
    const org = await newOrg('custom-to-month');
    const budgets = new BudgetService(db.db, org);
    const budget = await budgets.create({
      name: 'Q', scope: { kind: 'ORGANIZATION' }, period: 'CUSTOM', startsAt: jan(1), endsAt: jan(20), amount: '100', currency: 'USD', thresholds: [],
    });
    const moved = await budgets.update(budget.id, { period: 'MONTH' });
    assert.equal(moved.period, 'MONTH');
    assert.equal(moved.startsAt, null);
    assert.equal(moved.endsAt, null);
  });
});
