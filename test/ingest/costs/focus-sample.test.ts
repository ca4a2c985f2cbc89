import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { describe, it } from 'node:test';
import { openCostFile } from '../../../src/ingest/costs/index.js';
import { fixturePath } from '../../support/fixtures.js';
import { collect, countBy, day, entries, readRawCsv, sumBy } from './support/raw-csv.js';

describe('FOCUS 1.0 sample (focus-sample/focus_sample.csv)', () => {
  const file = fixturePath('focus-sample', 'focus_sample.csv');
  const raw = readRawCsv(file);
  const nullish = (v: string) => v === 'NULL' || v === '';
  const open = async () => {
    const opened = await openCostFile(createReadStream(file), { format: 'auto', fileName: 'focus_sample.csv' });
    return { opened, ...(await collect(opened.rows)) };
  };

  it('is detected as FOCUS 1.0 and every record becomes a row on its line', async () => {
    const { opened, rows, quarantined } = await open();
    assert.equal(opened.format, 'focus');
    assert.equal(opened.variant, 'focus-1.0');
    assert.deepEqual(quarantined, []);
    assert.equal(rows.length, raw.records.length);
    assert.equal(raw.text.trimEnd().split('\n').length, raw.records.length + 1);
    assert.deepEqual(
      rows.map((r) => r.line),
      raw.records.map((_, i) => i + 2),
    );
  });

  it('reads each row\'s billing period as the raw columns have it (one row is billed in October)', async () => {
    const { rows } = await open();
    const iso = (t: string) => `${t.replace(' ', 'T')}.000Z`;
    assert.deepEqual(
      rows.map((r) => [r.row.billingPeriodStart?.toISOString(), r.row.billingPeriodEnd?.toISOString()]),
      raw.records.map((r) => [iso(r.BillingPeriodStart), iso(r.BillingPeriodEnd)]),
    );
    assert.equal(rows.filter((r) => r.row.billingPeriodStart?.toISOString() === '2024-10-01T00:00:00.000Z').length, 1);
  });

  it('counts providers as the raw ProviderName column does, mapped to short keys', async () => {
    const { rows } = await open();
    const rawCounts = countBy(raw.records, (r) => r.ProviderName);
    const key: Record<string, string> = { AWS: 'aws', Microsoft: 'azure', Oracle: 'oci' };
    assert.deepEqual(entries(countBy(rows, (r) => r.row.provider)), entries(new Map([...rawCounts].map(([name, n]) => [key[name], n]))));
  });

  it('totals of BilledCost per day, per service and per currency equal exact sums of the raw file', async () => {
    const { rows } = await open();
    const got = rows.map((r) => r.row);
    assert.deepEqual(
      entries(sumBy(got, day, (r) => r.billedCost)),
      entries(sumBy(raw.records, (r) => r.ChargePeriodStart.slice(0, 10), (r) => r.BilledCost)),
    );
    assert.deepEqual(
      entries(sumBy(got, (r) => r.serviceName ?? '', (r) => r.billedCost)),
      entries(sumBy(raw.records, (r) => r.ServiceName, (r) => r.BilledCost)),
    );
    assert.deepEqual(
      entries(sumBy(got, (r) => r.currency, (r) => r.billedCost)),
      entries(sumBy(raw.records, (r) => r.BillingCurrency, (r) => r.BilledCost)),
    );
  });

  it('keeps EffectiveCost and ListCost exact and keeps NULL as null', async () => {
    const { rows } = await open();
    rows.forEach(({ row }, i) => {
      const r = raw.records[i];
      assert.equal(row.billedCost, r.BilledCost);
      assert.equal(row.effectiveCost, nullish(r.EffectiveCost) ? null : r.EffectiveCost);
      assert.equal(row.listCost, nullish(r.ListCost) ? null : r.ListCost);
      assert.equal(row.consumedQuantity, nullish(r.ConsumedQuantity) ? null : r.ConsumedQuantity);
      assert.equal(row.resourceName, nullish(r.ResourceName) ? null : r.ResourceName);
      assert.equal(row.regionId, nullish(r.RegionId) ? null : r.RegionId);
    });
  });

  it('reads charge periods as UTC and tags as JSON', async () => {
    const { rows } = await open();
    rows.forEach(({ row }, i) => {
      const r = raw.records[i];
      assert.equal(row.chargePeriodStart.toISOString(), `${r.ChargePeriodStart.replace(' ', 'T')}.000Z`);
      assert.equal(row.chargePeriodEnd.toISOString(), `${r.ChargePeriodEnd.replace(' ', 'T')}.000Z`);
      assert.deepEqual(row.tags, nullish(r.Tags) ? {} : JSON.parse(r.Tags));
    });
  });

  it('takes the resource group of Azure rows from the ARM resource id, lower-cased', async () => {
    const { rows } = await open();
    let azure = 0;
    rows.forEach(({ row }, i) => {
      const m = /^\/subscriptions\/[^/]+\/resourcegroups\/([^/]+)\//i.exec(raw.records[i].ResourceId);
      assert.equal(row.resourceGroup, m ? m[1].toLowerCase() : null);
      if (m) azure++;
    });
    assert.ok(azure > 0, 'the sample has Azure rows with ARM ids');
  });
});
