import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fixturePath } from '../../support/fixtures.js';
import { numberToDecimal, parseAzureBatchPrices, snapshotDate } from '../../../src/ingest/prices/azure-batch-prices.js';

const dir = fixturePath('azure-vm-prices');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

test('finds the three shipped snapshots', () => {
  assert.equal(files.length, 3);
});

for (const file of files) {
  test(`parses every entry of ${file}`, () => {
    const text = readFileSync(`${dir}/${file}`, 'utf8');
    const raw = JSON.parse(text) as Array<Record<string, unknown>>;
    const parsed = parseAzureBatchPrices(text, file);
    assert.equal(parsed.rows.length + parsed.skipped.length, raw.length, 'every entry is a row or a reported skip');
    const unusable = raw.filter((r) => r.PricePerHour === null || r.VCpusAvailable === null || r.MemoryInGiB === null);
    assert.equal(parsed.skipped.length, unusable.length, 'only entries without a price, vCPUs or memory are skipped');
    assert.ok(parsed.skipped.every((s) => /^(no PricePerHour|VCpusAvailable is not|MemoryInGiB is not)/.test(s.reason)));
    assert.equal(parsed.effectiveFrom, file.match(/(\d{4}-\d{2}-\d{2})/)![1]);
    for (const row of parsed.rows) {
      assert.equal(row.provider, 'azure');
      assert.equal(row.region, 'westeurope');
      assert.equal(row.currency, 'USD');
      assert.equal(row.effectiveFrom, parsed.effectiveFrom);
      assert.ok(row.priority === 'DEDICATED' || row.priority === 'LOW_PRIORITY');
      assert.match(row.pricePerHour, /^\d+(\.\d+)?$/);
      assert.match(row.memoryGib, /^\d+(\.\d+)?$/);
      assert.ok(Number.isInteger(row.vcpus) && row.vcpus > 0);
    }
    assert.ok(parsed.rows.some((r) => r.priority === 'LOW_PRIORITY'));
    const keys = new Set(parsed.rows.map((r) => `${r.vmSize}|${r.priority}`));
    assert.equal(keys.size, parsed.rows.length, 'one row per size and priority');
  });
}

test('a known SKU has the price, vCPUs and memory the JSON gives', () => {
  const file = 'BatchSupportedVmSizeInformation_AZURECLOUD_2025-03-04.json';
  const text = readFileSync(`${dir}/${file}`, 'utf8');
  const raw = JSON.parse(text) as Array<{ VmSize: string; LowPriority: boolean; PricePerHour: number | null; VCpusAvailable: number; MemoryInGiB: number }>;
  const { rows } = parseAzureBatchPrices(text, file);
  for (const [size, low] of [['Standard_D4s_v5', false], ['Standard_D4s_v5', true], ['Standard_E8ds_v5', false], ['Standard_F8s_v2', true]] as const) {
    const want = raw.find((r) => r.VmSize === size && r.LowPriority === low)!;
    assert.ok(want && want.PricePerHour !== null, `${size} is in the snapshot`);
    const got = rows.find((r) => r.vmSize === size && r.priority === (low ? 'LOW_PRIORITY' : 'DEDICATED'))!;
    assert.equal(Number(got.pricePerHour), want.PricePerHour);
    assert.equal(got.vcpus, want.VCpusAvailable);
    assert.equal(Number(got.memoryGib), want.MemoryInGiB);
    assert.equal(got.source, `azure-batch-vm-sizes:${file}`);
  }
});

test('file names, malformed input and entries are handled explicitly', () => {
  assert.equal(snapshotDate('/x/BatchSupportedVmSizeInformation_2024-01-08.json'), '2024-01-08');
  assert.throws(() => snapshotDate('prices.json'), /not a price snapshot file name/);
  assert.throws(() => snapshotDate('BatchSupportedVmSizeInformation_2024-02-30.json'), /invalid date/);
  const name = 'BatchSupportedVmSizeInformation_2024-01-08.json';
  assert.throws(() => parseAzureBatchPrices('{', name), /is not JSON/);
  assert.throws(() => parseAzureBatchPrices('{}', name), /expected a JSON array/);
  const entry = { VmSize: 'S1', LowPriority: false, PricePerHour: 0.1, VCpusAvailable: 2, MemoryInGiB: 4 };
  const { rows, skipped } = parseAzureBatchPrices(JSON.stringify([
    entry, entry, { ...entry, VmSize: 'S2', VCpusAvailable: 0 }, { ...entry, VmSize: 'S3', PricePerHour: '0.1' }, 7,
  ]), name);
  assert.equal(rows.length, 1);
  assert.deepEqual(skipped.map((s) => s.reason.split(':')[0]), [
    'duplicate DEDICATED entry', 'VCpusAvailable is not a positive integer', 'PricePerHour is not a non-negative number', 'not an object',
  ]);
});

test('numberToDecimal never emits an exponent', () => {
  assert.equal(numberToDecimal(0.078), '0.078');
  assert.equal(numberToDecimal(118.98), '118.98');
  assert.equal(numberToDecimal(1e-7), '0.0000001');
  assert.equal(numberToDecimal(1.5e-7), '0.00000015');
  assert.equal(numberToDecimal(1e21), '1000000000000000000000');
});
