import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { CostFileFormatError, openCostFile, type CostFileItem } from '../../../src/ingest/costs/index.js';
import { fixturePath } from '../../support/fixtures.js';

const fromBytes = (bytes: Buffer | string) => Readable.from([Buffer.from(bytes)]);

function randomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out[i] = s >>> 16;
  }
  return out;
}

async function refused(input: Readable, pattern: RegExp, format: 'auto' | 'azure' | 'focus' = 'auto') {
  await assert.rejects(openCostFile(input, { format, fileName: 'input.csv' }), (err: unknown) => {
    assert.ok(err instanceof CostFileFormatError, String(err));
    assert.match(err.message, /^input\.csv: /);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('files that are not cost exports are refused before any row', () => {
  it('a real non-cost CSV (finops-toolkit Services.csv), naming what was expected and what was found', async () => {
    await refused(createReadStream(fixturePath('finops-toolkit', 'Services.csv')), /not a cost export: FOCUS needs BilledCost.*header: "ConsumedService","ResourceType"/);
  });

  it('a spreadsheet with Date and Cost but nothing Azure about it', async () => {
    await refused(fromBytes('Date,Cost,Note\n01/02/2024,5.00,lunch\n'), /not a cost export/);
  });

  it('random binary data, plain and gzipped', async () => {
    for (const seed of [1, 2, 3]) await refused(fromBytes(randomBytes(100_000, seed)), /not a (UTF-8 )?text file/);
    await refused(fromBytes(gzipSync(randomBytes(10_000, 4))), /not a (UTF-8 )?text file/);
  });

  it('an empty file, and a file of blank lines', async () => {
    await refused(fromBytes(''), /empty/);
    await refused(fromBytes('\n\n\r\n'), /empty/);
  });

  it('JSON, ZIP, Parquet and UTF-16', async () => {
    await refused(createReadStream(fixturePath('azure-rest-api-specs', 'SubscriptionQueryGrouping.json')), /not a cost export/);
    await refused(fromBytes(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), randomBytes(100, 5)])), /ZIP/);
    await refused(fromBytes(Buffer.concat([Buffer.from('PAR1'), randomBytes(100, 6)])), /Parquet/);
    await refused(fromBytes(Buffer.from('\uFEFFBilledCost,ChargePeriodStart\n', 'utf16le')), /NUL byte/);
  });

  it('gzip magic followed by garbage, and a gzip stream cut inside the header', async () => {
    await refused(fromBytes(Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(200, 7)])), /gzip data is corrupt/);
    const gz = gzipSync(readFileSync(fixturePath('finops-toolkit', 'EA_ActualCost_Small.csv')));
    await refused(fromBytes(gz.subarray(0, 20)), /gzip data is corrupt|empty/);
  });

  it('one long line without line breaks', async () => {
    await refused(Readable.from((function* () { for (let i = 0; i < 40; i++) yield Buffer.alloc(64 * 1024, 0x61); })()), /no line break/);
  });

  it('a requested format the header does not have', async () => {
    await refused(createReadStream(fixturePath('focus-sample', 'focus_sample.csv')), /expected an Azure cost export.*looks like FOCUS/, 'azure');
    await refused(createReadStream(fixturePath('finops-toolkit', 'EA_ActualCost_Small.csv')), /expected a FOCUS file.*looks like an Azure export/, 'focus');
  });

  it('a header that names the cost column twice', async () => {
    await refused(fromBytes('Date,SubscriptionId,Cost,cost,BillingCurrency\n'), /column "Cost" appears more than once/);
  });

  it('an unclosed quote swallowing more than 8 MiB fails the file, naming the line it starts on', async () => {
    const header = 'BilledCost,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,ProviderName,ServiceName\n';
    const ok = '1,2024-09-01,2024-09-02,USD,AWS,x\n';
    const chunks = [header + ok, '1,2024-09-01,2024-09-02,USD,AWS,"unclosed\n', ...Array.from({ length: 300 }, () => ok.repeat(1000))];
    await assert.rejects(
      (async () => {
        const opened = await openCostFile(Readable.from(chunks.map((c) => Buffer.from(c))), { format: 'auto', fileName: 'input.csv' });
        for await (const item of opened.rows) void item;
      })(),
      (err: unknown) => err instanceof CostFileFormatError && /^input\.csv: the record starting on line 3 is longer than/.test(err.message),
    );
  });

  it('a gzip file corrupted after the header fails the iteration, after the rows before it', async () => {
    const plain = readFileSync(fixturePath('focus-sample', 'focus_sample.csv'));
    const gz = gzipSync(plain);
    const broken = Buffer.concat([gz.subarray(0, gz.length / 2), Buffer.alloc(64, 0x55), gz.subarray(gz.length / 2 + 64)]);
    const opened = await openCostFile(fromBytes(broken), { format: 'auto', fileName: 'x.csv.gz' });
    const seen: CostFileItem[] = [];
    await assert.rejects(
      (async () => {
        for await (const item of opened.rows) seen.push(item);
      })(),
      (err: unknown) => err instanceof CostFileFormatError && /gzip data is corrupt after line \d+/.test(err.message),
    );
    assert.ok(seen.length > 0 && seen.length < 1000, `${seen.length} rows before the failure`);
  });
});
