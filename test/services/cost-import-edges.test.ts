/**
 * Cost file imports whose lines counted wrongly: a line billed in another period than its charge's, out-of-range
 * dates and over-long amounts that failed the whole import, and the warnings of imports that add beside what
 * is stored (parts of one export run, actual and amortized exports of the same days).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CostImportService, importCostFile, storedReport, type ImportCostFileOptions } from '../../src/services/cost-import.js';
import { createOrganization } from '../../src/services/organizations.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { focusFile as file, focusLine, OCT, SEP } from '../support/focus-lines.js';
import { fixturePath } from '../support/fixtures.js';

/** An Azure EA export of one day: three instances of a scale set, identical in every column the importer reads. */
const VMSS = 'SubscriptionId,Date,MeterCategory,MeterName,MeterId,Quantity,Cost,BillingCurrency,ResourceId,AdditionalInfo,ChargeType,BillingPeriodStartDate,BillingPeriodEndDate';
const vm = (n: number) =>
  `11111111-2222-3333-4444-555555555555,09/04/2023,Virtual Machines,D4s v3,m1,24,4.608,USD,/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/batch-rg/providers/Microsoft.Compute/virtualMachineScaleSets/pool-vmss,"{""VMName"":""pool-vmss_${n}""}",Usage,09/01/2023,09/30/2023`;

describe('cost file imports at the edges', () => {
  let t: TestDatabase;
  let newOrg: (slug: string) => Promise<string>;
  const put = (orgId: string, body: string | Buffer, opts: Partial<ImportCostFileOptions> = {}) =>
    importCostFile({ sql: t.sql, db: t.db }, orgId, Readable.from([Buffer.from(body)]), { fileName: 'export.csv', format: 'auto', ...opts });
  const stored = async (orgId: string) => {
    const [s] = await t.sql<{ n: number; total: string | null }[]>`select count(*)::int as n, sum(billed_cost)::text as total from cost_records where org_id = ${orgId}`;
    return { rows: s.n, total: s.total };
  };
  const lines = async (orgId: string) =>
    (await t.sql<{ line: string }[]>`
      select charge_period_start::date::text || ' billed ' || billing_period_start::date::text || ': ' || billed_cost::text as line
      from cost_records where org_id = ${orgId} order by 1`).map((r) => r.line);

  before(async () => {
    t = await createTestDatabase();
    newOrg = async (slug) => (await createOrganization(t.db, { name: slug, slug })).organization.id;
  });
  after(() => t.drop());

  const september = file(focusLine('5.00', '2024-09-30', SEP), focusLine('1.00', '2024-09-29', SEP));
  // October's bill: a line for September 30 billed in October (a correction) that equals September's, and October's usage
  const october = file(focusLine('5.00', '2024-09-30', OCT, 'Correction'), focusLine('2.00', '2024-10-01', OCT));
  const bothLines = ['2024-09-29 billed 2024-09-01: 1.00', '2024-09-30 billed 2024-09-01: 5.00', '2024-09-30 billed 2024-10-01: 5.00', '2024-10-01 billed 2024-10-01: 2.00'];

  for (const replace of [false, true]) {
    test(`${replace ? 'replacing' : 'adding'}: a line for September 30 billed in October counts beside September's equal line, also imported twice`, async () => {
      const orgId = await newOrg(`period-${replace}`);
      await put(orgId, september, { replace, fileName: 'sep.csv' });
      const oct = await put(orgId, october, { replace, fileName: 'oct.csv' });
      assert.deepEqual([oct.rowsLoaded, oct.rowsUnchanged], [2, 0]);
      assert.equal(oct.replaced?.rows ?? 0, 0, "October's file replaces none of September's lines");
      assert.deepEqual(await stored(orgId), { rows: 4, total: '13.00' });
      assert.deepEqual(await lines(orgId), bothLines);
      // the same files again: nothing changes
      await put(orgId, september, { replace, fileName: 'sep.csv' });
      const again = await put(orgId, october, { replace, fileName: 'oct.csv' });
      assert.equal(again.rowsLoaded, replace ? 2 : 0);
      assert.deepEqual(await stored(orgId), { rows: 4, total: '13.00' });
      assert.deepEqual(await lines(orgId), bothLines);
    });
  }

  test('a late line charged outside its billing period (no charge class) counts beside the equal line of its own period', async () => {
    const orgId = await newOrg('period-late');
    await put(orgId, september);
    const late = await put(orgId, file(focusLine('5.00', '2024-09-30', OCT)), { fileName: 'oct-late.csv' });
    assert.equal(late.rowsLoaded, 1);
    assert.deepEqual(await stored(orgId), { rows: 3, total: '11.00' });
  });

  test("a replacing import does not take over a line of another billing period whose hash it shares: that line stays its period's", async () => {
    const orgId = await newOrg('period-takeover');
    await put(orgId, september, { replace: true, fileName: 'sep.csv' });
    // a period that also holds September 30 (the line is inside it, so it hashes as September's line does)
    const overlapping = file(focusLine('5.00', '2024-09-30', '2024-09-15T00:00:00Z,2024-10-15T00:00:00Z'));
    const report = await put(orgId, overlapping, { replace: true, fileName: 'mid.csv' });
    assert.deepEqual([report.rowsLoaded, report.rowsUnchanged, report.replaced?.rows], [0, 1, 0]);
    assert.deepEqual(await lines(orgId), ['2024-09-29 billed 2024-09-01: 1.00', '2024-09-30 billed 2024-09-01: 5.00']);
    // and September's own export, imported again, still finds and restates it
    const restated = await put(orgId, september, { replace: true, fileName: 'sep.csv' });
    assert.equal(restated.replaced?.rows, 2);
    assert.deepEqual(await stored(orgId), { rows: 2, total: '6.00' });
  });

  test('dates outside 2000-2100 are quarantined with their lines instead of failing the import; no partition is made for them', async () => {
    const orgId = await newOrg('years');
    const header = 'BilledCost,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,ProviderName';
    const body = [header, '1,9999-12-31T00:00:00Z,9999-12-31T23:00:00Z,USD,AWS', '2,2024-09-01T00:00:00Z,2024-09-02T00:00:00Z,USD,AWS', '3,1000-01-01T00:00:00Z,1000-01-02T00:00:00Z,USD,AWS'].join('\n');
    const report = await put(orgId, body);
    assert.deepEqual([report.rowsLoaded, report.rowsQuarantined], [1, 2]);
    assert.deepEqual(report.quarantined.map((q) => q.line), [2, 4]);
    assert.match(report.quarantined[0].reason, /ChargePeriodStart: "9999-12-31T00:00:00Z" is outside the years 2000 to 2100/);
    assert.deepEqual(await stored(orgId), { rows: 1, total: '2' });
    const parts = await t.sql`select relname from pg_class where relname in ('cost_records_y1000m01', 'cost_records_y9999m12')`;
    assert.deepEqual([...parts], []);
  });

  test('an amount of 17,000 digits is quarantined with its line instead of failing the import', async () => {
    const orgId = await newOrg('digits');
    const header = 'BilledCost,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,ProviderName';
    const at = (v: string) => `${v},2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,USD,AWS`;
    const report = await put(orgId, [header, at('1'), at(`0.${'1'.repeat(17_000)}`), at('9'.repeat(132_000))].join('\n'));
    assert.deepEqual([report.rowsLoaded, report.rowsQuarantined], [1, 2]);
    assert.deepEqual(report.quarantined.map((q) => [q.line, q.reason.replace(/"[^"]*"/, 'V')]), [
      [3, 'BilledCost: V has 17000 digits after the decimal point (at most 60), more than a bill amount or quantity'],
      [4, 'BilledCost: V has 132000 digits before the decimal point (at most 30), more than a bill amount or quantity'],
    ]);
    assert.deepEqual(await stored(orgId), { rows: 1, total: '1' });
  });

  describe('warnings of imports that add beside what is stored', () => {
    const part0 = `${[VMSS, vm(0), vm(1)].join('\n')}\n`;
    const part1 = `${[VMSS, vm(2), vm(2).replace('4.608', '1.5').replace('pool-vmss_2', 'pool-vmss_3')].join('\n')}\n`;

    test('the parts of a multi-part export added: named as parts, and the second sharing a line with the first', async () => {
      const orgId = await newOrg('warn-parts');
      const a = await put(orgId, part0, { fileName: 'part_0_0001.csv' });
      const b = await put(orgId, part1, { fileName: 'part_1_0001.csv.gz' });
      assert.deepEqual(a.warnings.map((w) => w.code), ['PART_ADDED']);
      assert.deepEqual(b.warnings.map((w) => w.code), ['PART_ADDED', 'ADDED_BESIDE_STORED']);
      assert.match(b.warnings[1].message, /^1 of the file's lines equal lines earlier imports stored, and were not stored again, while 1 were new/);
      // what the warning is about: the scale set's third instance counted once
      assert.deepEqual(await stored(orgId), { rows: 3, total: '10.716' });
      // kept with the import, as GraphQL reads it
      const row = await new CostImportService(t.db, orgId, 100).get(b.importId);
      assert.deepEqual(storedReport(row)?.warnings, b.warnings);
    });

    test('the same parts with replace and one delivery: all lines count, no warning', async () => {
      const orgId = await newOrg('warn-delivery');
      const a = await put(orgId, part0, { fileName: 'part_0_0001.csv', replace: true, delivery: 'run-1' });
      const b = await put(orgId, part1, { fileName: 'part_1_0001.csv', replace: true, delivery: 'run-1' });
      assert.deepEqual([a.warnings, b.warnings], [[], []]);
      assert.deepEqual(await stored(orgId), { rows: 4, total: '15.324' });
    });

    test('a file imported again (nothing new) and a plain file of its own are not warned of', async () => {
      const orgId = await newOrg('warn-none');
      const first = await put(orgId, september, { fileName: 'sep.csv' });
      const again = await put(orgId, september, { fileName: 'sep.csv' });
      assert.deepEqual([first.warnings, again.warnings, first.costBasis], [[], [], null]);
    });

    test('ActualCost and AmortizedCost exports of the same month added: the second is warned of, naming the first', async () => {
      const orgId = await newOrg('warn-basis');
      const actual = await put(orgId, readFileSync(fixturePath('finops-toolkit', 'EA_ActualCost_Small.csv')), { fileName: 'actual.csv' });
      const amortized = await put(orgId, readFileSync(fixturePath('finops-toolkit', 'EA_AmortizedCost_Small.csv')), { fileName: 'amortized.csv' });
      assert.deepEqual([actual.costBasis, amortized.costBasis], ['actual', 'amortized']);
      assert.deepEqual(actual.warnings, []);
      const mixed = amortized.warnings.find((w) => w.code === 'COST_BASIS_MIXED');
      assert.ok(mixed, JSON.stringify(amortized.warnings));
      assert.match(mixed.message, new RegExp(`^this file is an AmortizedCost export \\(line 2\\), and actual\\.csv \\(import ${actual.importId}\\) stored ActualCost lines`));
      // the hazard warned of: the reservation counted as its purchase and again spread over the usage
      assert.deepEqual(await stored(orgId), { rows: 29, total: '19.5469321366366446274854190000' });

      // replacing, the later export is the month's: no warning, and the month counts once
      const replacing = await newOrg('warn-basis-replace');
      await put(replacing, readFileSync(fixturePath('finops-toolkit', 'EA_ActualCost_Small.csv')), { fileName: 'actual.csv', replace: true });
      const restated = await put(replacing, readFileSync(fixturePath('finops-toolkit', 'EA_AmortizedCost_Small.csv')), { fileName: 'amortized.csv', replace: true });
      assert.deepEqual(restated.warnings, []);
      assert.deepEqual(await stored(replacing), { rows: 28, total: '16.2969321366366446274854190000' });
    });
  });
});
