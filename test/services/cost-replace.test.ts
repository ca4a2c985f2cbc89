import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { importCostFile, type CostImportReport } from '../../src/services/cost-import.js';
import { createOrganization } from '../../src/services/organizations.js';
import { reconcile } from '../../src/services/reconcile.js';
import { decimal, scaled } from '../ingest/costs/support/raw-csv.js';
import { billed, csvOf, effective, restatedFocus, shiftStamp, type Rec } from '../ingest/costs/support/restated.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const focus = restatedFocus();
const header = focus.raw.header;
const day = (r: Rec) => r.ChargePeriodStart.slice(0, 10);
const isAws = (r: Rec) => r.ProviderName === 'AWS';
const scopeOf = (r: Rec) => JSON.stringify([r.ProviderName, r.BillingAccountId, r.SubAccountId]);

describe('replacing cost imports (restated exports)', () => {
  let t: TestDatabase;
  let newOrg: (slug: string) => Promise<string>;

  const put = (orgId: string, records: Rec[], opts: { replace?: boolean; delivery?: string; fileName?: string; body?: Buffer } = {}) =>
    importCostFile({ sql: t.sql, db: t.db }, orgId, Readable.from([opts.body ?? csvOf(header, records)]), {
      fileName: opts.fileName ?? 'export.csv',
      format: 'auto',
      replace: opts.replace,
      delivery: opts.delivery,
    });

  /** Rows and exact billed total stored for the organization, optionally for one provider or from one day on. */
  const stored = async (orgId: string, where: { provider?: string; toDay?: string } = {}) => {
    const [s] = await t.sql<{ n: number; total: string | null }[]>`
      select count(*)::int as n, sum(billed_cost)::text as total from cost_records
      where org_id = ${orgId}
        and (${where.provider ?? null}::text is null or provider = ${where.provider ?? null})
        and (${where.toDay ?? null}::text is null or charge_period_start < (${where.toDay ?? null} || 'T00:00:00Z')::timestamptz)`;
    return { rows: s.n, total: s.total === null ? 0n : scaled(s.total) };
  };
  const totalOf = (report: CostImportReport) => report.totals.reduce((s, c) => s + scaled(c.amount), 0n);

  before(async () => {
    t = await createTestDatabase();
    newOrg = async (slug) => (await createOrganization(t.db, { name: slug, slug })).organization.id;
  });
  after(() => t.drop());

  test('the fixture restates something: the later export revises and drops lines of the earlier days', () => {
    assert.ok(focus.revised.length > 10 && focus.gone.length > 3, `${focus.revised.length} revised, ${focus.gone.length} gone`);
    assert.notEqual(billed(focus.later), billed(focus.raw.records));
  });

  test('added, a restated export counts revised and dropped lines twice; replacing, the stored bill is the later export exactly', async () => {
    const adding = await newOrg('restated-add');
    await put(adding, focus.earlier);
    const added = await put(adding, focus.later);
    // the problem replace solves: the earlier versions of revised lines, and the dropped lines, stay beside the later export
    assert.equal(added.rowsUnchanged, focus.earlier.length - focus.revised.length - focus.gone.length);
    assert.deepEqual(await stored(adding), {
      rows: focus.later.length + focus.revised.length + focus.gone.length,
      total: billed(focus.later) + billed(focus.revised) + billed(focus.gone),
    });

    const orgId = await newOrg('restated-replace');
    const first = await put(orgId, focus.earlier, { replace: true });
    assert.deepEqual(first.replaced, { delivery: null, rows: 0, totals: [], synced: { rows: 0, totals: [] }, from: '2024-09-01T00:00:00.000Z', to: '2024-09-20T00:00:00.000Z' });
    const later = await put(orgId, focus.later, { replace: true });
    assert.deepEqual(await stored(orgId), { rows: focus.later.length, total: billed(focus.later) });
    // every earlier line is replaced (the unchanged ones stored again as the later import's), and the report says what it was worth
    assert.equal(later.rowsLoaded, focus.later.length);
    assert.equal(later.rowsUnchanged, 0);
    assert.equal(later.replaced?.rows, focus.earlier.length);
    assert.deepEqual(
      later.replaced?.totals.map((c) => [c.currency, scaled(c.amount), c.rows]),
      [['USD', billed(focus.earlier), focus.earlier.length]],
    );
    assert.equal(totalOf(later), billed(focus.later));
    assert.deepEqual([later.replaced?.from, later.replaced?.to], ['2024-09-01T00:00:00.000Z', '2024-10-01T00:00:00.000Z']);
    const [owners] = await t.sql`select count(distinct source_id)::int as n, min(source_id::text) as id from cost_records where org_id = ${orgId}`;
    assert.deepEqual({ ...owners }, { n: 1, id: later.importId });
    const [imp] = await t.sql`select replace, delivery, report->'replaced'->>'rows' as replaced from imports where id = ${later.importId}`;
    assert.deepEqual({ ...imp }, { replace: true, delivery: null, replaced: String(focus.earlier.length) });
  });

  test("the replaced days leave the explorer's daily rollup, which the reconciliation then rebuilds from the later export", async () => {
    const orgId = await newOrg('restated-rollup');
    await put(orgId, focus.earlier);
    const september = { from: new Date('2024-09-01T00:00:00Z'), to: new Date('2024-10-01T00:00:00Z') };
    await reconcile(t.db, orgId, september, { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' });
    const held = async () => {
      const [r] = await t.sql`select count(*)::int as days, coalesce(sum(d.amount), 0)::text as total from cost_daily_days h
                              left join lateral (select sum(amount) as amount from cost_daily c where c.org_id = h.org_id and c.day = h.day) d on true
                              where h.org_id = ${orgId}`;
      return { days: r.days as number, total: scaled(r.total as string) };
    };
    assert.deepEqual(await held(), { days: 30, total: effective(focus.earlier) });
    // only the AWS lines are restated: the replaced days are every day an AWS line starts on
    const awsLater = focus.later.filter(isAws);
    await put(orgId, awsLater, { replace: true });
    assert.equal((await held()).days, 0);
    await reconcile(t.db, orgId, september, { idleMode: 'SHARE', driftThreshold: 0.2, trigger: 'test' });
    const others = focus.earlier.filter((r) => !isAws(r));
    assert.deepEqual(await held(), { days: 30, total: effective(awsLater) + effective(others) });
  });

  test('replacing with the same export again, or after an add of it, leaves the same bill', async () => {
    const orgId = await newOrg('restated-twice');
    await put(orgId, focus.earlier);
    await put(orgId, focus.later, { replace: true });
    const once = await stored(orgId);
    const again = await put(orgId, focus.later, { replace: true });
    assert.deepEqual(await stored(orgId), once);
    assert.deepEqual(once, { rows: focus.later.length, total: billed(focus.later) });
    assert.equal(again.replaced?.rows, focus.later.length);
    // an add of the same file afterwards finds every line stored
    const added = await put(orgId, focus.later);
    assert.equal(added.rowsLoaded, 0);
    assert.deepEqual(await stored(orgId), once);
  });

  test("only the file's sub accounts on the file's days are replaced; other accounts and days stay", async () => {
    const orgId = await newOrg('restated-scope');
    await put(orgId, focus.earlier);
    // the later export of the AWS accounts alone, from the 10th on
    const awsLater = focus.later.filter((r) => isAws(r) && day(r) >= '2024-09-10');
    const report = await put(orgId, awsLater, { replace: true });
    assert.deepEqual([report.replaced?.from, report.replaced?.to], [`${day(awsLater.reduce((a, b) => (day(a) < day(b) ? a : b)))}T00:00:00.000Z`, '2024-10-01T00:00:00.000Z']);

    const earlyAwsReplaced = focus.earlier.filter((r) => isAws(r) && day(r) >= '2024-09-10');
    const kept = focus.earlier.filter((r) => !(isAws(r) && day(r) >= '2024-09-10'));
    assert.equal(report.replaced?.rows, earlyAwsReplaced.length);
    assert.deepEqual(await stored(orgId), { rows: kept.length + awsLater.length, total: billed(kept) + billed(awsLater) });
    // the other providers' lines on the same days are untouched
    const msEarly = focus.earlier.filter((r) => r.ProviderName === 'Microsoft');
    assert.deepEqual(await stored(orgId, { provider: 'azure' }), { rows: msEarly.length, total: billed(msEarly) });
    // and the AWS lines before the file's first day
    const awsBefore = focus.earlier.filter((r) => isAws(r) && day(r) < '2024-09-10');
    assert.deepEqual(await stored(orgId, { provider: 'aws', toDay: '2024-09-10' }), { rows: awsBefore.length, total: billed(awsBefore) });
  });

  test('files of one delivery add up; a later delivery replaces them all, and a part imported twice changes nothing', async () => {
    const orgId = await newOrg('restated-delivery');
    await put(orgId, focus.earlier, { replace: true, delivery: 'run-19' });
    // the later export split in two parts, each spanning every day (Azure partitions big exports by size)
    const part1 = focus.later.filter((_, i) => i % 2 === 0);
    const part2 = focus.later.filter((_, i) => i % 2 === 1);
    const p1 = await put(orgId, part1, { replace: true, delivery: 'run-30', fileName: 'part_1.csv' });
    // between the parts, the earlier delivery's lines of the part's sub accounts and days are gone; a sub account only the second part bills keeps its
    const part1Scopes = new Set(part1.map(scopeOf));
    const early = [...part1.filter((r) => day(r) < '2024-09-20'), ...focus.earlier.filter((r) => !part1Scopes.has(scopeOf(r)))];
    assert.ok(early.length > part1.filter((r) => day(r) < '2024-09-20').length, 'a sub account appears in the second part only');
    assert.deepEqual(await stored(orgId, { toDay: '2024-09-20' }), { rows: early.length, total: billed(early) });
    assert.equal(p1.replaced?.delivery, 'run-30');
    await put(orgId, part2, { replace: true, delivery: 'run-30', fileName: 'part_2.csv' });
    assert.deepEqual(await stored(orgId), { rows: focus.later.length, total: billed(focus.later) });
    const retried = await put(orgId, part1, { replace: true, delivery: 'run-30', fileName: 'part_1.csv' });
    assert.equal(retried.rowsLoaded, 0);
    assert.equal(retried.rowsUnchanged, part1.length);
    assert.equal(retried.replaced?.rows, 0);
    assert.deepEqual(await stored(orgId), { rows: focus.later.length, total: billed(focus.later) });

    // without the delivery, the second part would replace the first one's lines on its days
    const other = await newOrg('restated-no-delivery');
    await put(other, part1, { replace: true });
    await put(other, part2, { replace: true });
    const part2Scopes = new Set(part2.map(scopeOf));
    const left = [...part2, ...part1.filter((r) => !part2Scopes.has(scopeOf(r)))];
    assert.deepEqual(await stored(other), { rows: left.length, total: billed(left) });
    assert.ok(left.length < focus.later.length);
  });

  test('a restated export of several batches (25,000 lines) replaces exactly', async () => {
    const orgId = await newOrg('restated-batches');
    // the sample 25 times over, each copy's costs moved by its number: distinct lines, most of them stored in several batches
    const copies = (records: Rec[]) => Array.from({ length: 25 }, (_, k) => records.map((r) => ({ ...r, BilledCost: decimal(scaled(r.BilledCost) + BigInt(k) * 10n ** 38n) }))).flat();
    const v1 = copies(focus.earlier);
    const v2 = copies(focus.later);
    assert.ok(v2.length > 20_000);
    await put(orgId, v1, { replace: true });
    const report = await put(orgId, v2, { replace: true });
    assert.deepEqual(await stored(orgId), { rows: v2.length, total: billed(v2) });
    assert.equal(report.replaced?.rows, v1.length);
    assert.equal(report.replaced?.totals.reduce((s, c) => s + scaled(c.amount), 0n), billed(v1));
  });

  test('identical lines in two parts of one delivery both count', async () => {
    const orgId = await newOrg('restated-twin-parts');
    const line = focus.later[0];
    const other = focus.later[1];
    await put(orgId, [line, other], { replace: true, delivery: 'run-a', fileName: 'part_1.csv' });
    const second = await put(orgId, [line], { replace: true, delivery: 'run-a', fileName: 'part_2.csv' });
    assert.equal(second.rowsLoaded, 1);
    assert.deepEqual(await stored(orgId), { rows: 3, total: billed([line, line, other]) });
    // a retried part (same name) is recognised, and the delivery's name is taken without surrounding spaces
    const retried = await put(orgId, [line], { replace: true, delivery: ' run-a ', fileName: 'part_2.csv' });
    assert.deepEqual([retried.rowsLoaded, retried.rowsUnchanged, retried.replaced?.rows], [0, 1, 0]);
    assert.deepEqual(await stored(orgId), { rows: 3, total: billed([line, line, other]) });
  });

  test("a line billed in the file's period for an earlier one (a correction) replaces only its period's lines: the days in between keep theirs, a revised correction replaces its first version", async () => {
    const orgId = await newOrg('restated-correction');
    await put(orgId, focus.later, { replace: true });
    const october = { BillingPeriodStart: '2024-10-01 00:00:00', BillingPeriodEnd: '2024-11-01 00:00:00' };
    // October's month-to-date export, to the 5th: September's first AWS lines moved 30 days on, and a correction of a September 3 line
    const moved = focus.later
      .filter((r) => isAws(r) && day(r) < '2024-09-06')
      .map((r) => ({ ...r, ...october, ChargePeriodStart: shiftStamp(r.ChargePeriodStart, 30), ChargePeriodEnd: shiftStamp(r.ChargePeriodEnd, 30) }));
    const corrected = focus.later.find((r) => isAws(r) && day(r) === '2024-09-03')!;
    const correction = { ...corrected, ...october, BilledCost: '-1.5', EffectiveCost: '-1.5' };
    const report = await put(orgId, [...moved, correction], { replace: true });
    assert.deepEqual([report.replaced?.from, report.replaced?.to, report.replaced?.rows], ['2024-09-03T00:00:00.000Z', '2024-10-06T00:00:00.000Z', 0]);
    assert.deepEqual(await stored(orgId, { toDay: '2024-10-01' }), { rows: focus.later.length + 1, total: billed(focus.later) + scaled('-1.5') });
    assert.deepEqual(await stored(orgId), { rows: focus.later.length + moved.length + 1, total: billed(focus.later) + billed(moved) + scaled('-1.5') });
    const [{ periods }] = await t.sql`select count(*)::int as periods from cost_records where org_id = ${orgId} and billing_period_start = '2024-10-01T00:00:00Z' and billing_period_end = '2024-11-01T00:00:00Z'`;
    // each line keeps the billing period it was billed in (the sample itself has one line billed in October)
    assert.equal(periods, moved.length + 1 + focus.later.filter((r) => r.BillingPeriodStart.startsWith('2024-10')).length);

    // the next day's October export revises the correction: its first version goes, September's own lines of that day stay
    const revisedCorrection = { ...correction, BilledCost: '-2', EffectiveCost: '-2' };
    const next = await put(orgId, [...moved, revisedCorrection], { replace: true });
    assert.equal(next.replaced?.rows, moved.length + 1);
    assert.deepEqual(await stored(orgId), { rows: focus.later.length + moved.length + 1, total: billed(focus.later) + billed(moved) + scaled('-2') });

    // without billing periods the file covers its first day to its last: the days in between are replaced (the README says so)
    const bare = header.filter((h) => !h.startsWith('BillingPeriod'));
    const unperiodized = await newOrg('restated-correction-bare');
    await put(unperiodized, focus.later, { replace: true });
    const blind = await put(unperiodized, [...moved, correction], { replace: true, body: csvOf(bare, [...moved, correction]) });
    assert.deepEqual([blind.replaced?.from, blind.replaced?.to], ['2024-09-03T00:00:00.000Z', '2024-10-06T00:00:00.000Z']);
    assert.ok((blind.replaced?.rows ?? 0) > 300);
  });

  test("billing periods cut at their exact bounds: months starting at 07:00 UTC do not replace each other's lines on the day they share", async () => {
    const orgId = await newOrg('restated-pacific');
    const base = focus.later.find(isAws)!;
    const line = (start: string, end: string, cost: string, period: [string, string]) => ({
      ...base, ChargePeriodStart: start, ChargePeriodEnd: end, BilledCost: cost, EffectiveCost: cost, BillingPeriodStart: period[0], BillingPeriodEnd: period[1],
    });
    const sep: [string, string] = ['2024-09-01T07:00:00Z', '2024-10-01T07:00:00Z'];
    const oct: [string, string] = ['2024-10-01T07:00:00Z', '2024-11-01T07:00:00Z'];
    const october = [line('2024-10-01T09:00:00Z', '2024-10-01T10:00:00Z', '4', oct), line('2024-10-02T09:00:00Z', '2024-10-02T10:00:00Z', '8', oct)];
    const september = [line('2024-09-30T12:00:00Z', '2024-09-30T13:00:00Z', '1', sep), line('2024-10-01T05:00:00Z', '2024-10-01T06:00:00Z', '2', sep)];
    await put(orgId, october, { replace: true });
    const report = await put(orgId, september, { replace: true });
    assert.deepEqual([report.replaced?.from, report.replaced?.to, report.replaced?.rows], ['2024-09-30T00:00:00.000Z', '2024-10-02T00:00:00.000Z', 0]);
    // September's restatement again, revised: it replaces its own lines only
    const revised = [september[0], { ...september[1], BilledCost: '3', EffectiveCost: '3' }];
    await put(orgId, revised, { replace: true });
    assert.deepEqual(await stored(orgId), { rows: 4, total: scaled('1') + scaled('3') + scaled('4') + scaled('8') });
  });

  test('a file over two months replaces itself exactly in both partitions', async () => {
    const orgId = await newOrg('restated-two-months');
    const october = focus.later
      .filter((r) => day(r) < '2024-09-16')
      .map((r) => ({ ...r, BillingPeriodStart: '2024-10-01 00:00:00', BillingPeriodEnd: '2024-11-01 00:00:00', ChargePeriodStart: shiftStamp(r.ChargePeriodStart, 30), ChargePeriodEnd: shiftStamp(r.ChargePeriodEnd, 30) }));
    const both: Rec[] = [...focus.later.filter((r) => r.BillingPeriodStart.startsWith('2024-09')), ...october];
    await put(orgId, both, { replace: true });
    const revised = both.map((r, i) => (i % 9 === 0 ? { ...r, BilledCost: decimal(scaled(r.BilledCost) + scaled('0.5')) } : r));
    const report = await put(orgId, revised, { replace: true });
    assert.equal(report.replaced?.rows, both.length);
    assert.deepEqual(await stored(orgId), { rows: revised.length, total: billed(revised) });
    const [{ months }] = await t.sql`select count(distinct date_trunc('month', charge_period_start at time zone 'UTC'))::int as months from cost_records where org_id = ${orgId}`;
    assert.equal(months, 2);
  });

  test('lines stored without a billing period (an export without the column, or loaded before it was kept) are replaced within the periods the file names', async () => {
    const orgId = await newOrg('restated-unnamed-periods');
    const bare = header.filter((h) => !h.startsWith('BillingPeriod'));
    await put(orgId, focus.earlier, { body: csvOf(bare, focus.earlier) });
    const [{ unnamed }] = await t.sql`select count(*)::int as unnamed from cost_records where org_id = ${orgId} and billing_period_start is null`;
    assert.equal(unnamed, focus.earlier.length);
    const report = await put(orgId, focus.later, { replace: true });
    assert.equal(report.replaced?.rows, focus.earlier.length);
    assert.deepEqual(await stored(orgId), { rows: focus.later.length, total: billed(focus.later) });
  });

  test('a replacing file where some lines name a billing period and others do not is refused, and replaces nothing', async () => {
    const orgId = await newOrg('restated-mixed-periods');
    await put(orgId, focus.earlier);
    const before = await stored(orgId);
    const mixed = focus.later.map((r, i) => (i === 10 ? { ...r, BillingPeriodStart: '', BillingPeriodEnd: '' } : r));
    await assert.rejects(put(orgId, mixed, { replace: true }), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'BAD_USER_INPUT');
      assert.match(err.message, /some lines name a billing period and others do not/);
      return true;
    });
    assert.deepEqual(await stored(orgId), before);
  });

  test('a replacing import with a row it cannot read is refused whole, naming the line: the earlier version of that line is not lost', async () => {
    const orgId = await newOrg('restated-unreadable');
    await put(orgId, focus.earlier);
    const before = await stored(orgId);
    const broken = focus.later.map((r, i) => (i === 4 ? { ...r, BilledCost: 'oops' } : r));
    await assert.rejects(put(orgId, broken, { replace: true, fileName: 'broken.csv' }), (err: unknown) => {
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'BAD_USER_INPUT');
      assert.match(err.message, /broken\.csv: 1 row\(s\) could not be read.*line 6: .*oops.*nothing was replaced/);
      return true;
    });
    assert.deepEqual(await stored(orgId), before);
    // the same file added (not replacing) quarantines the row and loads the rest, as before
    const added = await put(orgId, broken);
    assert.equal(added.rowsQuarantined, 1);
  });

  test('a replacing import that fails part-way replaces nothing: the earlier bill stays whole', async () => {
    const orgId = await newOrg('restated-fail');
    await put(orgId, focus.earlier);
    const before = await stored(orgId);
    // 2,000 good rows (a whole batch's worth of takeovers would run first), then a corrupt gzip tail
    const many = Array.from({ length: 20 }, (_, k) => focus.later.map((r) => ({ ...r, BilledCost: decimal(scaled(r.BilledCost) + BigInt(k)) }))).flat();
    const gz = gzipSync(csvOf(header, many));
    const broken = Buffer.concat([gz.subarray(0, Math.floor(gz.length * 0.8)), Buffer.from('not gzip at all')]);
    await assert.rejects(put(orgId, [], { replace: true, body: broken }));
    assert.deepEqual(await stored(orgId), before);
    const [failed] = await t.sql`select status, replace from imports where org_id = ${orgId} order by started_at desc limit 1`;
    assert.deepEqual({ ...failed }, { status: 'FAILED', replace: true });
  });

  test("a replacing import touches only its own organization's lines", async () => {
    const mine = await newOrg('restated-mine');
    const theirs = await newOrg('restated-theirs');
    await put(mine, focus.earlier);
    await put(theirs, focus.earlier);
    const theirsBefore = await stored(theirs);
    await put(mine, focus.later, { replace: true, delivery: 'shared-name' });
    assert.deepEqual(await stored(theirs), theirsBefore, 'my replacement left their identical lines alone');
    await put(theirs, focus.later.slice(0, 5), { replace: true, delivery: 'shared-name' });
    assert.deepEqual(await stored(mine), { rows: focus.later.length, total: billed(focus.later) });
    // their delivery of the same name is theirs alone: it replaced their own lines of its days, not mine
    assert.notDeepEqual(await stored(theirs), theirsBefore);
    assert.deepEqual(await stored(mine), { rows: focus.later.length, total: billed(focus.later) });
  });

  test('a delivery without replace, or an empty or overlong one, is refused before anything is recorded', async () => {
    const orgId = await newOrg('restated-bad');
    const cases: [{ replace?: boolean; delivery?: string }, RegExp][] = [
      [{ delivery: 'run-1' }, /give it with replace/],
      [{ replace: true, delivery: '  ' }, /1-200 characters/],
      [{ replace: true, delivery: 'x'.repeat(201) }, /1-200 characters/],
    ];
    for (const [opts, message] of cases) {
      await assert.rejects(put(orgId, focus.earlier, opts), (err: unknown) => {
        assert.ok(err instanceof AppError);
        assert.equal(err.code, 'BAD_USER_INPUT');
        assert.match(err.message, message);
        return true;
      });
    }
    const [{ n }] = await t.sql`select count(*)::int as n from imports where org_id = ${orgId}`;
    assert.equal(n, 0);
    assert.deepEqual(await stored(orgId), { rows: 0, total: 0n });
  });
});
