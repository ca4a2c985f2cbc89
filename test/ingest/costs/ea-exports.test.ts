import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { describe, it } from 'node:test';
import { openCostFile } from '../../../src/ingest/costs/index.js';
import { fixturePath } from '../../support/fixtures.js';
import { collect, countBy, day, entries, readRawCsv, sumBy, usDateToIso } from './support/raw-csv.js';

for (const name of ['EA_ActualCost_Small.csv', 'EA_AmortizedCost_Small.csv']) {
  describe(`finops-toolkit ${name}`, () => {
    const file = fixturePath('finops-toolkit', name);
    const raw = readRawCsv(file);

    const open = async () => {
      const opened = await openCostFile(createReadStream(file), { format: 'auto', fileName: name });
      return { opened, ...(await collect(opened.rows)) };
    };

    it('is detected as an EA export despite its BOM, with the header as written', async () => {
      assert.ok(raw.text.startsWith('\uFEFF'), 'fixture starts with a BOM');
      const { opened } = await open();
      assert.equal(opened.format, 'azure');
      assert.equal(opened.variant, 'ea');
      assert.deepEqual(opened.columns, raw.header);
      assert.equal(opened.columns[0], 'BillingAccountId');
    });

    it('turns every record into a row, on its physical line', async () => {
      const { rows, quarantined } = await open();
      assert.deepEqual(quarantined, []);
      assert.equal(rows.length, raw.records.length);
      // no multi-line fields in these files, so record i sits on line i + 2
      assert.equal(raw.text.trimEnd().split('\n').length, raw.records.length + 1);
      assert.deepEqual(
        rows.map((r) => r.line),
        raw.records.map((_, i) => i + 2),
      );
    });

    it('reads the billing period, its end day inclusive in the file and exclusive on the row', async () => {
      const { rows } = await open();
      const periods = rows.map((r) => [r.row.billingPeriodStart?.toISOString(), r.row.billingPeriodEnd?.toISOString()].join(' '));
      const expected = raw.records.map((r) => {
        const [start, last] = [usDateToIso(r.BillingPeriodStartDate), usDateToIso(r.BillingPeriodEndDate)];
        const end = new Date(`${last}T00:00:00Z`);
        end.setUTCDate(end.getUTCDate() + 1);
        return `${start}T00:00:00.000Z ${end.toISOString()}`;
      });
      assert.deepEqual(periods, expected);
      assert.ok(periods.every((p) => p === '2023-09-01T00:00:00.000Z 2023-10-01T00:00:00.000Z'));
    });

    it('keeps every cost exactly as written', async () => {
      const { rows } = await open();
      assert.deepEqual(
        rows.map((r) => r.row.billedCost),
        raw.records.map((r) => r.Cost),
      );
    });

    it('totals per day, per service and per currency equal the exact sums of the raw Cost column', async () => {
      const { rows } = await open();
      const got = rows.map((r) => r.row);
      assert.deepEqual(
        entries(sumBy(got, day, (r) => r.billedCost)),
        entries(sumBy(raw.records, (r) => usDateToIso(r.Date), (r) => r.Cost)),
      );
      assert.deepEqual(
        entries(sumBy(got, (r) => r.serviceName ?? '', (r) => r.billedCost)),
        entries(sumBy(raw.records, (r) => r.MeterCategory, (r) => r.Cost)),
      );
      assert.deepEqual(
        entries(sumBy(got, (r) => r.currency, (r) => r.billedCost)),
        entries(sumBy(raw.records, (r) => r.BillingCurrency, (r) => r.Cost)),
      );
    });

    it('makes daily half-open periods at UTC midnight', async () => {
      const { rows } = await open();
      rows.forEach(({ row }, i) => {
        assert.equal(row.chargePeriodStart.toISOString(), `${usDateToIso(raw.records[i].Date)}T00:00:00.000Z`);
        assert.equal(row.chargePeriodEnd.getTime() - row.chargePeriodStart.getTime(), 86_400_000);
      });
    });

    it('maps identity columns, lower-cases resource groups and reads brace-less tags', async () => {
      const { rows } = await open();
      rows.forEach(({ row }, i) => {
        const r = raw.records[i];
        assert.equal(row.provider, 'azure');
        assert.equal(row.subAccountId, r.SubscriptionId);
        assert.equal(row.billingAccountId, r.BillingAccountId);
        assert.equal(row.resourceId, r.ResourceId || null);
        const group = r.ResourceGroup || /\/resourcegroups\/([^/]+)/i.exec(r.ResourceId)?.[1] || null;
        assert.equal(row.resourceGroup, group?.toLowerCase() ?? null);
        assert.deepEqual(row.tags, r.Tags === '' ? {} : JSON.parse(`{${r.Tags}}`));
      });
      // mixed-case spellings of one group in the raw file collapse to one key
      const groups = countBy(
        rows.map((r) => r.row),
        (r) => r.resourceGroup ?? '',
      );
      const rawGroups = new Set(raw.records.map((r) => r.ResourceGroup.toLowerCase()).filter((g) => g !== ''));
      for (const g of rawGroups) assert.ok(groups.has(g), g);
    });

    it('maps ChargeType to the FOCUS charge category', async () => {
      const { rows } = await open();
      assert.deepEqual(
        entries(countBy(rows.map((r) => r.row), (r) => r.chargeCategory ?? '')),
        entries(countBy(raw.records, (r) => r.ChargeType)),
      );
    });
  });
}
