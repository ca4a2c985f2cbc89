import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ProjectService } from '../../src/services/projects.js';
import { createOrgWithKeys, startTestApp, type TestApp } from '../support/app.js';
import { daysAgo, insertCost, insertPipeline, insertRun } from '../support/spend.js';
import { scaled } from '../ingest/costs/support/raw-csv.js';

const BUDGET_FIELDS = `id name period amount { amount currency } thresholds { percent basis }
  scope { kind projectCode pipeline tagKey tagValue }
  spend(at: $at) { periodStart periodEnd billed { amount } committed { amount } total { amount } percentUsed }`;

/** `$at` pins the instant the spend is read at (left out: now). */
const CREATE = `mutation($input: CreateBudgetInput!, $at: DateTime) { createBudget(input: $input) { ${BUDGET_FIELDS} } }`;

/** Exact decimal sum of the amounts a test inserted (independent of the SQL under test). */
const sum = (...amounts: string[]) => amounts.reduce((s, a) => s + scaled(a), 0n);

describe('budgets', () => {
  let t: TestApp;
  let keys: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let other: Awaited<ReturnType<typeof createOrgWithKeys>>;
  let projectId: string;

  before(async () => {
    t = await startTestApp({ role: 'api' });
    keys = await createOrgWithKeys(t.db, 'budget-org');
    other = await createOrgWithKeys(t.db, 'budget-other');
    projectId = (await new ProjectService(t.db.db, keys.org.id).create({ code: 'P-100', name: 'Tumour panel' })).id;
    await new ProjectService(t.db.db, other.org.id).create({ code: 'P-100', name: 'Same code, other org' });
  });
  after(() => t.close());

  test('an ANALYST creates, updates and deletes; a VIEWER lists but may not create', async () => {
    const input = { name: 'Lab monthly', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '5000', thresholds: [{ percent: 80, basis: 'ACTUAL' }, { percent: 100, basis: 'FORECAST' }] };
    const denied = await t.gql(CREATE, { input }, keys.viewer);
    assert.equal(denied.errors?.[0].extensions?.code, 'FORBIDDEN');

    const created = await t.gql(CREATE, { input }, keys.analyst);
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const b = created.data!.createBudget;
    assert.equal(b.amount.currency, keys.org.currency);
    assert.deepEqual(b.thresholds, [{ percent: 80, basis: 'ACTUAL' }, { percent: 100, basis: 'FORECAST' }]);

    const listed = await t.gql(`{ budgets { id name } }`, {}, keys.viewer);
    assert.deepEqual(listed.data!.budgets.map((x: { id: string }) => x.id), [b.id]);

    const updated = await t.gql(`mutation($id: ID!) { updateBudget(id: $id, input: { amount: "6000.50" }) { amount { amount } name } }`, { id: b.id }, keys.analyst);
    assert.equal(updated.data?.updateBudget.amount.amount, '6000.50');
    assert.equal(updated.data?.updateBudget.name, 'Lab monthly');

    // renamed onto another budget's name: CONFLICT naming the field, and neither budget changes
    const second = await t.gql(CREATE, { input: { ...input, name: 'Second' } }, keys.analyst);
    assert.equal(second.errors, undefined, JSON.stringify(second.errors));
    const clash = await t.gql(`mutation($id: ID!) { updateBudget(id: $id, input: { name: "Lab monthly" }) { name } }`, { id: second.data!.createBudget.id }, keys.analyst);
    assert.equal(clash.errors?.[0].extensions?.code, 'CONFLICT', JSON.stringify(clash.errors));
    assert.match(clash.errors![0].message, /a budget named "Lab monthly" already exists/);
    assert.deepEqual((await t.gql(`{ budgets { name } }`, {}, keys.viewer)).data!.budgets.map((x: { name: string }) => x.name).sort(), ['Lab monthly', 'Second']);
    await t.gql(`mutation($id: ID!) { deleteBudget(id: $id) }`, { id: second.data!.createBudget.id }, keys.analyst);

    // another organization sees nothing, and cannot change or delete it
    const theirs = await t.gql(`query($id: ID!) { budget(id: $id) { id } }`, { id: b.id }, other.admin);
    assert.equal(theirs.errors?.[0].extensions?.code, 'NOT_FOUND');
    const theirDelete = await t.gql(`mutation($id: ID!) { deleteBudget(id: $id) }`, { id: b.id }, other.admin);
    assert.equal(theirDelete.errors?.[0].extensions?.code, 'NOT_FOUND');
    assert.deepEqual((await t.gql(`{ budgets { id } }`, {}, other.viewer)).data!.budgets, []);

    const deleted = await t.gql(`mutation($id: ID!) { deleteBudget(id: $id) }`, { id: b.id }, keys.analyst);
    assert.equal(deleted.data?.deleteBudget, b.id);
    assert.deepEqual((await t.gql(`{ budgets { id } }`, {}, keys.viewer)).data!.budgets, []);
  });

  test('invalid budgets answer BAD_USER_INPUT naming the field', async () => {
    const base = { name: 'Bad', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '100', thresholds: [{ percent: 80, basis: 'ACTUAL' }] };
    const fieldOf = (e: { extensions?: Record<string, unknown> } | undefined) =>
      (e?.extensions?.field as string | undefined) ?? ((e?.extensions?.fields as { field: string }[] | undefined) ?? []).map((f) => f.field).join(',');
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['negative amount', { ...base, amount: '-5' }, /amount/],
      ['zero amount', { ...base, amount: '0' }, /amount/],
      ['unknown project', { ...base, scope: { kind: 'PROJECT', projectCode: 'NOPE' } }, /scope\.projectCode/],
      ['project scope without a project', { ...base, scope: { kind: 'PROJECT' } }, /scope\.projectCode/],
      ['unknown pipeline', { ...base, scope: { kind: 'PIPELINE', pipeline: 'nf-core/none' } }, /scope\.pipeline/],
      ['tag scope without a value', { ...base, scope: { kind: 'TAG', tagKey: 'study' } }, /scope\.tagValue/],
      ['threshold 0', { ...base, thresholds: [{ percent: 0, basis: 'ACTUAL' }] }, /thresholds\.0\.percent/],
      ['threshold 1000%', { ...base, thresholds: [{ percent: 1000, basis: 'ACTUAL' }] }, /thresholds\.0\.percent/],
      ['custom period without a range', { ...base, period: 'CUSTOM' }, /startsAt/],
    ];
    for (const [what, input, field] of cases) {
      const res = await t.gql(CREATE, { input }, keys.analyst);
      assert.equal(res.errors?.[0].extensions?.code, 'BAD_USER_INPUT', `${what}: ${JSON.stringify(res.errors ?? res.data)}`);
      assert.match(fieldOf(res.errors?.[0]), field, `${what}: ${JSON.stringify(res.errors)}`);
    }
    // a scope kind that does not exist is refused by the schema, naming where
    const unknownKind = await t.gql(CREATE, { input: { ...base, scope: { kind: 'GALAXY' } } }, keys.analyst);
    assert.equal(unknownKind.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    assert.match(unknownKind.errors![0].message, /scope\.kind|GALAXY/);
    assert.deepEqual((await t.gql(`{ budgets { id } }`, {}, keys.viewer)).data!.budgets, []);
  });

  test('several invalid fields answer one BAD_USER_INPUT listing every field with its problems, and write nothing', async () => {
    const fieldsOf = (e: { extensions?: Record<string, unknown> } | undefined) =>
      ((e?.extensions?.fields as { field: string; problems: string[] }[] | undefined) ?? []).map((f) => f.field).sort();
    // problems the input types can see (a length, a currency's size, a percent) beside ones only the service can (a zero amount, a missing range)
    const many = await t.gql(CREATE, {
      input: {
        name: 'Bad', scope: { kind: 'TAG', tagKey: 'k'.repeat(200) }, period: 'MONTH', startsAt: '2026-01-01T00:00:00Z', amount: '0', currency: 'XX',
        thresholds: [{ percent: 0, basis: 'ACTUAL' }, { percent: 1000, basis: 'FORECAST' }],
      },
    }, keys.analyst);
    assert.equal(many.errors?.length, 1, JSON.stringify(many.errors));
    assert.equal(many.errors![0].extensions?.code, 'BAD_USER_INPUT');
    assert.deepEqual(fieldsOf(many.errors![0]), ['amount', 'currency', 'scope.tagKey', 'scope.tagValue', 'startsAt', 'thresholds.0.percent', 'thresholds.1.percent'], JSON.stringify(many.errors));
    for (const field of ['amount', 'currency', 'scope.tagKey', 'scope.tagValue', 'startsAt', 'thresholds.0.percent', 'thresholds.1.percent']) {
      assert.match(many.errors![0].message, new RegExp(`${field.replace(/\./g, '\\.')}: `), `${field}: ${many.errors![0].message}`);
    }

    // an unknown project (a lookup) does not hide the amount and a threshold given twice
    const lookup = await t.gql(CREATE, {
      input: { name: 'Bad', scope: { kind: 'PROJECT', projectCode: 'NOPE' }, period: 'MONTH', amount: '-5', thresholds: [{ percent: 80, basis: 'ACTUAL' }, { percent: 80, basis: 'ACTUAL' }] },
    }, keys.analyst);
    assert.deepEqual(fieldsOf(lookup.errors?.[0]), ['amount', 'scope.projectCode', 'thresholds.1'], JSON.stringify(lookup.errors));
    assert.deepEqual((await t.gql(`{ budgets { id } }`, {}, keys.viewer)).data!.budgets, []);

    // updateBudget the same, on the budget as it would become; the budget stays as it was
    const created = await t.gql(CREATE, { input: { name: 'To update', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '100', currency: 'USD' } }, keys.analyst);
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const id = created.data!.createBudget.id;
    const update = await t.gql(`mutation($id: ID!, $input: UpdateBudgetInput!) { updateBudget(id: $id, input: $input) { id } }`,
      { id, input: { amount: '-1', period: 'CUSTOM', currency: 'XX', thresholds: [{ percent: 600, basis: 'ACTUAL' }] } }, keys.analyst);
    assert.equal(update.errors?.length, 1, JSON.stringify(update.errors));
    assert.equal(update.errors![0].extensions?.code, 'BAD_USER_INPUT');
    assert.deepEqual(fieldsOf(update.errors![0]), ['amount', 'currency', 'endsAt', 'startsAt', 'thresholds.0.percent'], JSON.stringify(update.errors));
    const kept = await t.gql(`query($id: ID!) { budget(id: $id) { period amount { amount currency } thresholds { percent } } }`, { id }, keys.viewer);
    assert.deepEqual(kept.data!.budget, { period: 'MONTH', amount: { amount: '100', currency: 'USD' }, thresholds: [] });
    await t.gql(`mutation($id: ID!) { deleteBudget(id: $id) }`, { id }, keys.analyst);
  });

  test('spend(at:) and forecast(at:) read the period containing that instant, to date at it, in the caller\'s organization only', async () => {
    const fresh = await createOrgWithKeys(t.db, 'budget-as-of');
    const org = fresh.org.id;
    const now = new Date();
    const month = (k: number, day = 1, hour = 0) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + k, day, hour));
    const lastInstantOfLastMonth = new Date(month(0).getTime() - 1);
    await insertCost(t.db.db, org, { day: month(-1, 10), amount: '100.125' });
    await insertCost(t.db.db, org, { day: daysAgo(0, lastInstantOfLastMonth), amount: '40.25' }); // its last day
    await insertCost(t.db.db, org, { day: month(0), amount: '7' }); // this month's first day
    await insertCost(t.db.db, other.org.id, { day: month(-1, 10), amount: '100000' });
    await insertRun(t.db.db, org, { status: 'RUNNING', estimatedCost: '12.5', startedAt: month(-1, 20) });
    await insertRun(t.db.db, other.org.id, { status: 'RUNNING', estimatedCost: '999', startedAt: month(-1, 20) });
    const created = await t.gql(CREATE, { input: { name: 'Org', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '1000', currency: 'USD' } }, fresh.analyst);
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const id = created.data!.createBudget.id;
    const READ = `query($id: ID!, $at: DateTime) { budget(id: $id) {
      spend(at: $at) { periodStart periodEnd billed { amount } committed { amount } total { amount } percentUsed }
      forecast(at: $at) { value { amount } low { amount } } } }`;
    const read = async (at: Date | string) => {
      const res = await t.gql(READ, { id, at: typeof at === 'string' ? at : at.toISOString() }, fresh.viewer);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      return res.data!.budget as { spend: { periodStart: string; periodEnd: string; billed: { amount: string }; committed: { amount: string }; total: { amount: string }; percentUsed: string }; forecast: { value: { amount: string }; low: { amount: string } } };
    };

    // how the budget stood at the end of last month: all of last month, nothing of this one
    const monthEnd = await read(lastInstantOfLastMonth);
    assert.deepEqual([Date.parse(monthEnd.spend.periodStart), Date.parse(monthEnd.spend.periodEnd)], [month(-1).getTime(), month(0).getTime()]);
    assert.equal(scaled(monthEnd.spend.billed.amount), sum('100.125', '40.25'));
    assert.equal(scaled(monthEnd.spend.committed.amount), sum('12.5'));
    assert.equal(scaled(monthEnd.spend.percentUsed), sum('15.29'));
    assert.ok(scaled(monthEnd.forecast.low.amount) >= scaled(monthEnd.spend.total.amount), JSON.stringify(monthEnd));

    // mid-month: spent to date then, not what came later in the period
    const midMonth = await read(month(-1, 15, 12));
    assert.equal(scaled(midMonth.spend.billed.amount), sum('100.125'));
    assert.equal(scaled(midMonth.spend.committed.amount), 0n);

    // the instant the month turns is the new month's
    const turned = await read(month(0));
    assert.equal(Date.parse(turned.spend.periodStart), month(0).getTime());
    assert.equal(scaled(turned.spend.billed.amount), sum('7'));

    // later than now: nothing is known of it yet
    const future = await t.gql(READ, { id, at: new Date(Date.now() + 86_400_000).toISOString() }, fresh.viewer);
    assert.equal(future.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(future.errors));
    assert.equal(future.errors![0].extensions?.field, 'at');
    assert.match(future.errors![0].message, /^at: must not be later than now/);
    const farFuture = await t.gql(READ, { id, at: '2200-01-01T00:00:00Z' }, fresh.viewer);
    assert.equal(farFuture.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(farFuture.errors));
    assert.equal(farFuture.errors![0].extensions?.field, 'at');

    // the same instant read by another organization: its own budget, never this one's lines
    const theirs = await t.gql(CREATE, { input: { name: 'Org', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '1000', currency: 'USD' }, at: lastInstantOfLastMonth.toISOString() }, other.analyst);
    assert.equal(theirs.errors, undefined, JSON.stringify(theirs.errors));
    assert.equal(scaled(theirs.data!.createBudget.spend.billed.amount), sum('100000'));
    await t.gql(`mutation($id: ID!) { deleteBudget(id: $id) }`, { id: theirs.data!.createBudget.id }, other.analyst);
  });

  test('an organization budget shows billed (the bill) and committed (in-flight runs) separately, never another org\'s', async () => {
    const org = keys.org.id;
    // every line and run is dated at this one instant, and the spend is read at it: a UTC month turning mid-test moves nothing
    const now = new Date();
    const today = daysAgo(0, now);
    await insertCost(t.db.db, org, { day: today, amount: '4000.125' });
    await insertCost(t.db.db, org, { day: today, amount: '99.875' });
    await insertCost(t.db.db, org, { day: today, amount: '7', currency: 'EUR' }); // another currency: not counted
    await insertCost(t.db.db, other.org.id, { day: today, amount: '100000' });
    await insertRun(t.db.db, org, { status: 'RUNNING', estimatedCost: '650', startedAt: now });
    await insertRun(t.db.db, org, { status: 'REGISTERED', estimatedCost: '12.5', startedAt: now });
    // reconciled: its cost is in the bill already
    await insertRun(t.db.db, org, { status: 'SUCCEEDED', estimatedCost: '300', actualCost: '280', startedAt: now });
    await insertRun(t.db.db, other.org.id, { status: 'RUNNING', estimatedCost: '999', startedAt: now });

    const res = await t.gql(CREATE, { input: { name: 'Org', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '5000', currency: 'USD' }, at: now.toISOString() }, keys.analyst);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    const s = res.data!.createBudget.spend;
    assert.equal(new Date(s.periodStart).getTime(), Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
    assert.equal(scaled(s.billed.amount), sum('4000.125', '99.875'));
    assert.equal(scaled(s.committed.amount), sum('650', '12.5'));
    assert.equal(scaled(s.total.amount), sum('4000.125', '99.875', '650', '12.5'));
  });

  test('project and pipeline budgets read reconciled runs (actual) and unreconciled estimates (committed)', async () => {
    const org = keys.org.id;
    const now = new Date();
    const pipelineId = await insertPipeline(t.db.db, org, 'nf-core/sarek', '3.4.0');
    const otherRevision = await insertPipeline(t.db.db, org, 'nf-core/sarek', '3.5.0');
    await insertRun(t.db.db, org, { projectId, pipelineId, status: 'SUCCEEDED', estimatedCost: '50', actualCost: '61.25', startedAt: now });
    await insertRun(t.db.db, org, { projectId, pipelineId: otherRevision, status: 'RUNNING', estimatedCost: '40.5', startedAt: now });
    await insertRun(t.db.db, org, { pipelineId, status: 'RUNNING', estimatedCost: '10', startedAt: now }); // no project
    await insertRun(t.db.db, org, { projectId, status: 'SUCCEEDED', actualCost: '5', startedAt: daysAgo(400) }); // another period

    const project = await t.gql(CREATE, { input: { name: 'P-100 month', scope: { kind: 'PROJECT', projectCode: 'P-100' }, period: 'MONTH', amount: '1000', currency: 'USD' }, at: now.toISOString() }, keys.analyst);
    assert.equal(project.errors, undefined, JSON.stringify(project.errors));
    assert.equal(project.data!.createBudget.scope.projectCode, 'P-100');
    assert.equal(scaled(project.data!.createBudget.spend.billed.amount), sum('61.25'));
    assert.equal(scaled(project.data!.createBudget.spend.committed.amount), sum('40.5'));

    const pipeline = await t.gql(CREATE, { input: { name: 'sarek year', scope: { kind: 'PIPELINE', pipeline: 'nf-core/sarek' }, period: 'YEAR', amount: '1000', currency: 'USD' }, at: now.toISOString() }, keys.analyst);
    assert.equal(pipeline.errors, undefined, JSON.stringify(pipeline.errors));
    assert.equal(scaled(pipeline.data!.createBudget.spend.billed.amount), sum('61.25'));
    assert.equal(scaled(pipeline.data!.createBudget.spend.committed.amount), sum('40.5', '10'));
  });

  test('an organization budget counts lines at their effective (amortized) cost, as the explorer does', async () => {
    const fresh = await createOrgWithKeys(t.db, 'budget-amortized');
    const org = fresh.org.id;
    const now = new Date();
    const today = daysAgo(0, now);
    // a one-year reservation bought this month: 1200 on the invoice, amortized into the usage it covers
    await insertCost(t.db.db, org, { day: today, amount: '1200', effectiveCost: '0', serviceName: 'Reservations' });
    await insertCost(t.db.db, org, { day: today, amount: '0', effectiveCost: '3.28767', tags: { study: 'BRCA' } });
    await insertCost(t.db.db, org, { day: today, amount: '10.5', tags: { study: 'BRCA' } }); // no effective cost: billed
    const res = await t.gql(CREATE, { input: { name: 'Org', scope: { kind: 'ORGANIZATION' }, period: 'MONTH', amount: '100', currency: 'USD' }, at: now.toISOString() }, fresh.analyst);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(scaled(res.data!.createBudget.spend.billed.amount), sum('3.28767', '10.5'));
    const tag = await t.gql(CREATE, { input: { name: 'BRCA', scope: { kind: 'TAG', tagKey: 'study', tagValue: 'BRCA' }, period: 'MONTH', amount: '100', currency: 'USD' }, at: now.toISOString() }, fresh.analyst);
    assert.equal(tag.errors, undefined, JSON.stringify(tag.errors));
    assert.equal(scaled(tag.data!.createBudget.spend.billed.amount), sum('3.28767', '10.5'));

    const { periodStart, periodEnd } = res.data!.createBudget.spend;
    const explorer = await t.gql(`query($filter: BreakdownFilterInput!) { costBreakdown(filter: $filter, groupBy: []) { edges { node { actual { amount } } } } }`,
      { filter: { from: periodStart, to: periodEnd } }, fresh.viewer);
    assert.equal(explorer.errors, undefined, JSON.stringify(explorer.errors));
    const total = explorer.data!.costBreakdown.edges.reduce((s: bigint, e: { node: { actual: { amount: string } } }) => s + scaled(e.node.actual.amount), 0n);
    assert.equal(scaled(res.data!.createBudget.spend.billed.amount), total);
  });

  test('a tag budget counts bill lines with that tag and runs with that label', async () => {
    const org = keys.org.id;
    const now = new Date();
    const today = daysAgo(0, now);
    await insertCost(t.db.db, org, { day: today, amount: '33.3', tags: { study: 'BRCA', owner: 'x' } });
    await insertCost(t.db.db, org, { day: today, amount: '44.4', tags: { study: 'other' } });
    await insertRun(t.db.db, org, { status: 'RUNNING', estimatedCost: '2.2', labels: { study: 'BRCA' }, startedAt: now });
    const res = await t.gql(CREATE, { input: { name: 'BRCA', scope: { kind: 'TAG', tagKey: 'study', tagValue: 'BRCA' }, period: 'QUARTER', amount: '100', currency: 'USD' }, at: now.toISOString() }, keys.analyst);
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.equal(scaled(res.data!.createBudget.spend.billed.amount), sum('33.3'));
    assert.equal(scaled(res.data!.createBudget.spend.committed.amount), sum('2.2'));
    assert.equal(scaled(res.data!.createBudget.spend.percentUsed), sum('35.50'));
  });
});
