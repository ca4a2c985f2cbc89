import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { openCostFile } from '../../../src/ingest/costs/index.js';
import { repoRoot } from '../../support/fixtures.js';
import { collect } from './support/raw-csv.js';

const HEADER = 'Date,SubscriptionId,ResourceGroup,ResourceId,MeterCategory,Cost,BillingCurrency,Tags';
const open = (text: string | Buffer, chunkSize = 0) => {
  const buf = Buffer.from(text);
  const chunks = chunkSize > 0 ? Array.from({ length: Math.ceil(buf.length / chunkSize) }, (_, i) => buf.subarray(i * chunkSize, (i + 1) * chunkSize)) : [buf];
  return openCostFile(Readable.from(chunks), { format: 'auto' });
};
const summary = async (text: string | Buffer, chunkSize = 0) =>
  (await collect((await open(text, chunkSize)).rows)).all.map((item) => (item.kind === 'row' ? [item.line, item.row.billedCost] : [item.line, item.reason, item.raw]));

describe('CSV records: splitting, lines and raw text', () => {
  it('gives the same items whatever the chunk boundaries, including inside quotes, escaped quotes and CRLF pairs', async () => {
    const text = readFileSync(path.join(repoRoot, 'test', 'ingest', 'costs', 'fixtures', 'ea-bad-rows.csv'), 'utf8').replace(/\n/g, '\r\n');
    const whole = await summary(text);
    assert.ok(whole.length >= 8);
    for (const size of [2, 3, 5, 13, 64, 97]) assert.deepEqual(await summary(text, size), whole, `chunks of ${size} bytes`);
  });

  it('parses a chunk larger than its parsing piece (the import worker gets a megabyte at a time) as it parses small chunks', async () => {
    // about 130 KB in one chunk: several 32 KB pieces. Every record holds two-, three- and four-byte UTF-8
    // characters and a quoted CRLF, and records differ in length, so piece boundaries fall inside
    // characters, quoted fields and line breaks; every 97th has an amount that is not a number
    const records = [HEADER];
    for (let i = 0; i < 1000; i++) {
      const note = `é€😀 ${'x'.repeat(i % 37)}`;
      const amount = i % 97 === 50 ? 'twelve' : `${i}.5`;
      records.push(`09/01/2023,sub-1,rg-${i},/x/${note},Storage,${amount},USD,"{""note"": ""${note}"",\r\n""n"": ""${i}""}"`);
    }
    const text = `${records.join('\n')}\n`;
    assert.ok(Buffer.byteLength(text) > 3 * 32 * 1024);
    const whole = await summary(text);
    assert.equal(whole.length, 1000);
    // each record takes two physical lines (its quoted CRLF)
    assert.deepEqual(whole[999], [2 + 999 * 2, '999.5']);
    assert.equal(whole[50][0], 102);
    assert.match(String(whole[50][1]), /"twelve" is not a decimal number/);
    assert.equal(whole[50][2], records[51]);
    assert.deepEqual(await summary(text, 7), whole);
    assert.deepEqual(await summary(text, 4096), whole);
    const { rows } = await collect((await open(text)).rows);
    assert.deepEqual(rows[1].row.tags, { note: 'é€😀 x', n: '1' });
  });

  it('a malformed closing quote quarantines the record and whatever it swallowed, never silently: every line is accounted for', async () => {
    const lines = [
      HEADER,
      '09/01/2023,sub-1,rg-a,/x,Storage,1,USD,',
      '09/02/2023,sub-1,rg-a,/x,Storage,"1"2,USD,',
      '09/03/2023,sub-1,rg-a,/x,Storage,3,USD,"{""a"": ""b""}"',
      '09/04/2023,sub-1,rg-a,/x,Storage,4,USD,',
    ];
    const { rows, quarantined } = await collect((await open(lines.join('\n'))).rows);
    assert.deepEqual(rows.map((r) => [r.line, r.row.billedCost]), [[2, '1'], [5, '4']]);
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0].line, 3);
    assert.match(quarantined[0].reason, /^unreadable CSV record: Invalid Closing Quote/);
    assert.equal(quarantined[0].raw, `${lines[2]}\n${lines[3]}`);
  });

  it('counts a CRLF inside a quoted field of an LF file as one line, and strips a byte order mark', async () => {
    const text = `\uFEFF${HEADER}\n09/01/2023,sub-1,rg,/x,Storage,1,USD,"{""a"":\r\n""b""}"\n09/02/2023,sub-1,rg,/x,Storage,2,USD,\n`;
    const opened = await open(text);
    assert.equal(opened.columns[0], 'Date');
    const { rows } = await collect(opened.rows);
    assert.deepEqual(rows.map((r) => [r.line, r.row.tags]), [[2, { a: 'b' }], [4, {}]]);
  });

  it('a file without a final line break keeps its last record', async () => {
    assert.deepEqual(await summary(`${HEADER}\n09/01/2023,sub-1,rg,/x,Storage,7,USD,`), [[2, '7']]);
  });
});
