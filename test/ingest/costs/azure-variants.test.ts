import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { openCostFile, type OpenCostFileOptions } from '../../../src/ingest/costs/index.js';
import { fixturePath } from '../../support/fixtures.js';
import { collect, day, entries, readRawCsv, sumBy, usDateToIso } from './support/raw-csv.js';

const variantFile = (name: string) => fixturePath('azure-export-variants', name);
const openText = (text: string, opts: Partial<OpenCostFileOptions> = {}) => openCostFile(Readable.from([Buffer.from(text)]), { format: 'auto', ...opts });

/** What each header set is, and which of its columns hold date, cost and currency (as written). */
const HEADERSETS = [
  { file: 'headersets__PayAsYouGo.csv', variant: 'payg', date: 'UsageDateTime', cost: 'PreTaxCost', currency: 'Currency' },
  { file: 'headersets__Enterprise.csv', variant: 'ea', date: 'Date', cost: 'CostInBillingCurrency', currency: 'BillingCurrencyCode' },
  { file: 'headersets__EnterpriseCamel.csv', variant: 'mca', date: 'date', cost: 'costInBillingCurrency', currency: 'billingCurrency' },
  { file: 'headersets__German.csv', variant: 'payg-de', date: 'UsageDateTime (UsageDateTime)', cost: 'PreTaxCost (PreTaxCost)', currency: 'Currency' },
  { file: 'headersets__YA.csv', variant: 'mca-de', date: 'date', cost: 'costInBillingCurrency', currency: 'Currency' },
  { file: 'headersets__BOM.csv', variant: 'payg', date: 'UsageDateTime', cost: 'PreTaxCost', currency: 'Currency' },
];

function isoDay(text: string): string {
  return text.includes('/') ? usDateToIso(text) : text;
}

describe('azure-export-variants header sets', () => {
  for (const set of HEADERSETS) {
    it(`${set.file}: ${set.variant}, every record accounted for with the values as written`, async () => {
      const raw = readRawCsv(variantFile(set.file));
      const opened = await openCostFile(createReadStream(variantFile(set.file)), { format: 'auto', fileName: set.file });
      assert.equal(opened.format, 'azure');
      assert.equal(opened.variant, set.variant);
      assert.deepEqual(opened.columns, raw.header);
      const { rows, quarantined } = await collect(opened.rows);
      assert.equal(rows.length + quarantined.length, raw.records.length);
      for (const r of raw.records) {
        if (r[set.cost] === '' || r[set.currency] === '') continue;
        const row = rows.shift()!.row;
        assert.equal(row.billedCost, r[set.cost]);
        assert.equal(row.currency, r[set.currency]);
        assert.equal(day(row), isoDay(r[set.date]));
      }
      assert.deepEqual(rows, []);
    });

    it(`${set.file}: the header alone is a valid empty export`, async () => {
      const header = readFileSync(variantFile(set.file), 'utf8').split(/\r?\n/)[0];
      const opened = await openText(`${header}\r\n`);
      assert.equal(opened.variant, set.variant);
      assert.deepEqual((await collect(opened.rows)).all, []);
      // and without a trailing line break
      assert.deepEqual((await collect((await openText(header)).rows)).all, []);
    });
  }

  it('headersets__BOM.csv: its one record has a date but no cost or currency, so it is quarantined naming both', async () => {
    const opened = await openCostFile(createReadStream(variantFile('headersets__BOM.csv')), { format: 'auto' });
    const { quarantined } = await collect(opened.rows);
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0].line, 2);
    assert.match(quarantined[0].reason, /PreTaxCost: missing/);
    assert.match(quarantined[0].reason, /Currency: missing/);
    assert.equal(quarantined[0].raw, readFileSync(variantFile('headersets__BOM.csv'), 'utf8').split('\r\n')[1]);
  });

  it('German headers map by the English name in parentheses', async () => {
    const raw = readRawCsv(variantFile('headersets__German.csv'));
    const { rows } = await collect((await openCostFile(createReadStream(variantFile('headersets__German.csv')), { format: 'azure' })).rows);
    const r = raw.records[0];
    const row = rows[0].row;
    assert.equal(row.subAccountId, r['Abonnement-GUID (SubscriptionGuid)']);
    assert.equal(row.resourceGroup, r['Ressourcengruppe (ResourceGroup)'].toLowerCase());
    assert.equal(row.serviceName, r['Kategorie der Verbrauchseinheit (MeterCategory)']);
    assert.equal(row.resourceId, r['InstanceId (InstanceId)']);
    assert.equal(row.consumedUnit, r['Maßeinheit (UnitOfMeasure)']);
  });

  it('German-localized exports accept decimal commas; English ones quarantine them', async () => {
    const german = readFileSync(variantFile('headersets__German.csv'), 'utf8').replace(',0.025,0.075,', ',"0,025","0,075",');
    const de = await collect((await openText(german)).rows);
    assert.equal(de.rows[0].row.billedCost, '0.075');
    const english = readFileSync(variantFile('headersets__PayAsYouGo.csv'), 'utf8').replace(',0.025,0.075,', ',"0,025","0,075",');
    const en = await collect((await openText(english)).rows);
    assert.equal(en.rows.length, 0);
    assert.match(en.quarantined[0].reason, /PreTaxCost: "0,075" is not a decimal number/);
  });
});

describe('azure-export-variants value files', () => {
  it('files without any currency column are quarantined unless the caller supplies the currency', async () => {
    for (const name of ['values__VirtualMachine.csv', 'values__MissingBrackets.csv']) {
      const raw = readRawCsv(variantFile(name));
      assert.ok(!raw.header.some((h) => /currency$/i.test(h) && !/inbillingcurrency$/i.test(h)), 'fixture has no currency column');
      const bare = await collect((await openCostFile(createReadStream(variantFile(name)), { format: 'auto', fileName: name })).rows);
      assert.equal(bare.rows.length, 0);
      assert.equal(bare.quarantined.length, raw.records.length);
      assert.match(bare.quarantined[0].reason, /no currency column/);

      const usd = await collect((await openCostFile(createReadStream(variantFile(name)), { format: 'auto', assumeCurrency: 'usd' })).rows);
      assert.equal(usd.rows.length, raw.records.length);
      assert.equal(usd.rows[0].row.currency, 'USD');
      assert.equal(usd.rows[0].row.billedCost, raw.records[0].costinbillingcurrency);
      assert.equal(usd.rows[0].row.listCost, raw.records[0].paygcostinbillingcurrency);
    }
  });

  it('an unknown assumeCurrency is a caller error', async () => {
    await assert.rejects(openCostFile(createReadStream(variantFile('values__VirtualMachine.csv')), { format: 'auto', assumeCurrency: 'dollars' }), RangeError);
  });

  it('MissingBrackets tags (no braces) read the same as the VirtualMachine JSON tags', async () => {
    const vmRaw = readRawCsv(variantFile('values__VirtualMachine.csv'));
    const read = async (name: string) => (await collect((await openCostFile(createReadStream(variantFile(name)), { format: 'auto', assumeCurrency: 'USD' })).rows)).rows[0].row;
    const missing = await read('values__MissingBrackets.csv');
    const vm = await read('values__VirtualMachine.csv');
    assert.deepEqual(vm.tags, JSON.parse(vmRaw.records[0].Tags));
    assert.deepEqual(missing.tags, vm.tags);
    assert.equal(missing.resourceGroup, 'example-resource-group');
  });

  it('Template.csv: every record is one field short of its header (no trailing empty resourcelocation), and every record loads with it empty', async () => {
    const raw = readRawCsv(variantFile('values__Template.csv'));
    const opened = await openCostFile(createReadStream(variantFile('values__Template.csv')), { format: 'auto', assumeCurrency: 'USD' });
    const { rows, quarantined } = await collect(opened.rows);
    const fieldCounts = (parse(raw.text, { bom: true, relax_column_count: true }) as string[][]).slice(1).map((r) => r.length);
    assert.ok(fieldCounts.every((n) => n === raw.header.length - 1), 'every fixture row stops one field short');
    assert.deepEqual(quarantined, []);
    assert.equal(rows.length, raw.records.length);
    rows.forEach(({ line, row }, i) => {
      assert.equal(line, i + 2);
      assert.equal(row.regionId, null, 'the missing resourcelocation is empty');
      assert.equal(row.billedCost, raw.records[i].costinbillingcurrency);
    });
    assert.deepEqual(
      entries(sumBy(rows.map((r) => r.row), day, (r) => r.billedCost)),
      entries(sumBy(raw.records, (r) => r.UsageDateTime, (r) => r.costinbillingcurrency)),
    );
  });

  it('a record with more fields than the header is still quarantined, naming the counts', async () => {
    const lines = readFileSync(variantFile('values__Template.csv'), 'utf8').split('\r\n');
    const header = lines[0].split(',').length;
    const long = `${lines[1]},,extra`;
    const { rows, quarantined } = await collect((await openText([lines[0], long, lines[2]].join('\r\n'), { assumeCurrency: 'USD' })).rows);
    assert.equal(rows.length, 1);
    assert.deepEqual(quarantined.map((q) => [q.line, q.reason, q.raw]), [[2, `wrong field count: expected ${header} fields (as in the header), got ${header + 1}`, long]]);
  });

  it('Template.csv with the missing trailing field restored: totals per day and service match the raw costs', async () => {
    // built from the fixture in code: append the empty resourcelocation field each record lacks
    const lines = readFileSync(variantFile('values__Template.csv'), 'utf8').split('\r\n');
    const repaired = lines.map((l, i) => (i === 0 || l === '' ? l : `${l},`)).join('\r\n');
    const raw = readRawCsv(variantFile('values__Template.csv'));
    const { rows, quarantined } = await collect((await openText(repaired, { assumeCurrency: 'USD' })).rows);
    assert.deepEqual(quarantined, []);
    assert.equal(rows.length, raw.records.length);
    const got = rows.map((r) => r.row);
    assert.deepEqual(
      entries(sumBy(got, day, (r) => r.billedCost)),
      entries(sumBy(raw.records, (r) => r.UsageDateTime, (r) => r.costinbillingcurrency)),
    );
    assert.deepEqual(
      entries(sumBy(got, (r) => r.serviceName ?? '', (r) => r.billedCost)),
      entries(sumBy(raw.records, (r) => r.MeterCategory, (r) => r.costinbillingcurrency)),
    );
    rows.forEach(({ row }, i) => assert.deepEqual(row.tags, raw.records[i].Tags === '' ? {} : JSON.parse(raw.records[i].Tags)));
  });
});
