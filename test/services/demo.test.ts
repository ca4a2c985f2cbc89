import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BudgetService } from '../../src/services/budgets.js';
import { loadDemo } from '../../src/services/demo.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';

describe('gct demo: a realistic month, clearly marked, safe to load twice', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let b: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const now = new Date('2026-11-20T12:00:00Z');
  const snapshot = async () => {
    const [r] = await t.db.sql<{ runs: number; tasks: number; lines: number; billed: string; allocated: string; bad: number }[]>`
      select (select count(*)::int from runs where org_id = ${a.org.id} and labels @> '{"demo": "true"}') as runs,
             (select count(*)::int from tasks where org_id = ${a.org.id}) as tasks,
             (select count(*)::int from cost_records where org_id = ${a.org.id} and source = 'demo') as lines,
             (select sum(coalesce(effective_cost, billed_cost))::text from cost_records where org_id = ${a.org.id}) as billed,
             (select sum(amount)::text from allocations where org_id = ${a.org.id}) as allocated,
             (select count(*)::int from cost_records c where c.org_id = ${a.org.id} and coalesce(c.effective_cost, c.billed_cost)
                is distinct from (select sum(amount) from allocations x where x.org_id = c.org_id and x.cost_row_hash = c.row_hash)) as bad`;
    return r;
  };
  let first: Awaited<ReturnType<typeof snapshot>>;
  let report: Awaited<ReturnType<typeof loadDemo>>;

  before(async () => {
    t = await startTestApp({ role: 'api' });
    a = await createOrgWithKeys(t.db, 'demo-a');
    b = await createOrgWithKeys(t.db, 'demo-b');
    report = await loadDemo(t.db.db, a.org.id, t.app.config, now);
    first = await snapshot();
  });
  after(() => t.close());

  test('runs shaped like the real trace, a bill reconciled to the cent, idle and unallocated spend', async () => {
    assert.equal(first.runs, 6);
    assert.equal(first.tasks, 6 * 864);
    assert.ok(first.lines > 20);
    assert.equal(first.bad, 0, 'every bill line is split exactly');
    assert.equal(first.allocated, first.billed);
    const kinds = await t.db.sql<{ kind: string }[]>`select distinct kind::text from allocations where org_id = ${a.org.id} order by 1`;
    assert.deepEqual(kinds.map((k) => k.kind), ['IDLE', 'TASK', 'UNALLOCATED']);
    const [actual] = await t.db.sql<{ n: number }[]>`select count(*)::int as n from runs where org_id = ${a.org.id} and actual_cost > 0`;
    assert.equal(actual.n, 6);
  });

  test('a budget past its 80% threshold raised an alert; the storage spike is an anomaly; recommendations exist', async () => {
    const alerts = await t.db.sql<{ kind: string }[]>`select kind::text from alerts where org_id = ${a.org.id} and kind = 'BUDGET_ACTUAL'`;
    assert.equal(alerts.length, 1);
    const anomalies = await t.db.sql<{ dimension: string; value: string }[]>`select dimension::text, dimension_value as value from anomalies where org_id = ${a.org.id}`;
    assert.ok(anomalies.some((x) => x.value === 'Storage' || x.value === 'demo-shared'), JSON.stringify(anomalies));
    const recs = await t.db.sql<{ kind: string; process: string }[]>`select kind::text, process from recommendations where org_id = ${a.org.id}`;
    assert.ok(recs.some((r) => r.kind === 'RIGHTSIZE_MEMORY' && r.process === 'run_metric'), JSON.stringify(recs));
    assert.ok(recs.some((r) => r.kind === 'IDLE_POOL'));
    assert.equal(report.runs, 6);
  });

  test('loading again replaces the demo data: the same totals, nothing doubled; other organizations untouched', async () => {
    await loadDemo(t.db.db, a.org.id, t.app.config, now);
    assert.deepEqual(await snapshot(), first);
    const [other] = await t.db.sql<{ n: number }[]>`select (select count(*) from runs where org_id = ${b.org.id}) + (select count(*) from cost_records where org_id = ${b.org.id}) as n`;
    assert.equal(Number(other.n), 0);
  });
});

describe('gct demo early in a month: it fills the month before, and its budget is that month\'s', () => {
  let t: TestApp;
  let org: Awaited<ReturnType<typeof createOrgWithKeys>>;
  const now = new Date('2026-12-01T04:00:00Z');
  let report: Awaited<ReturnType<typeof loadDemo>>;

  before(async () => {
    t = await startTestApp({ role: 'api' });
    org = await createOrgWithKeys(t.db, 'demo-early');
    report = await loadDemo(t.db.db, org.org.id, t.app.config, now);
  });
  after(() => t.close());

  test('the report names the month filled, and the budget over it is just past 80% with its alert raised', async () => {
    assert.equal(report.month, '2026-11');
    const budgets = new BudgetService(t.db.db, org.org.id);
    const [budget] = await budgets.list();
    const spend = await budgets.spend(budget, now);
    assert.equal(spend.period.start.toISOString(), '2026-11-01T00:00:00.000Z');
    assert.ok(Number(spend.percentUsed) >= 80 && Number(spend.percentUsed) < 100, `percent used ${spend.percentUsed} of ${budget.amount}`);
    const alerts = await t.db.sql<{ kind: string }[]>`select kind::text from alerts where org_id = ${org.org.id} and kind = 'BUDGET_ACTUAL'`;
    assert.equal(alerts.length, 1);
  });
});
