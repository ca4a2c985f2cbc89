import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { openCostFile } from '../../../src/ingest/costs/index.js';
import { repoRoot } from '../../support/fixtures.js';
import { collect, lineOf } from './support/raw-csv.js';

const FIXTURE = path.join(repoRoot, 'test', 'ingest', 'costs', 'fixtures', 'ea-bad-rows.csv');
const text = readFileSync(FIXTURE, 'utf8');
const open = (bytes: Buffer | string, chunkSize = 0) => {
  const buf = Buffer.from(bytes);
  const chunks = chunkSize > 0 ? Array.from({ length: Math.ceil(buf.length / chunkSize) }, (_, i) => buf.subarray(i * chunkSize, (i + 1) * chunkSize)) : [buf];
  return openCostFile(Readable.from(chunks), { format: 'auto', fileName: 'ea-bad-rows.csv' });
};

/** Expected outcome, located in the raw text by content rather than by counting by hand. */
function expectations(source: string) {
  return {
    quarantined: [
      { line: lineOf(source, '13/45/2023'), reason: /^Date: "13\/45\/2023" is not a date \(expected MM\/DD\/YYYY/ },
      { line: lineOf(source, ',12.3.4,'), reason: /^Cost: "12\.3\.4" is not a decimal number$/ },
      { line: lineOf(source, ',XYZ,'), reason: /^BillingCurrency: "XYZ" is not an ISO 4217 currency code$/ },
      // short of its header: its missing fields are empty, and so it lacks the cost and currency
      { line: lineOf(source, '09/03/2023,sub-1\n'), reason: /^Cost: missing \(required\); BillingCurrency: missing \(required\) \(the record has 2 of the header's 8 fields\)$/ },
    ],
    rows: [
      { line: lineOf(source, ',1.25,'), billedCost: '1.25', currency: 'USD', resourceGroup: 'rg-a', tags: { pipeline: 'rnaseq' } },
      { line: lineOf(source, ',1.5E-05,'), billedCost: '0.000015', currency: 'USD', resourceGroup: 'rg-a', tags: { pipeline: 'rnaseq', run: 'r1' } },
      { line: lineOf(source, ',-0.10,'), billedCost: '-0.10', currency: 'EUR', resourceGroup: 'rg-b', tags: {} },
      { line: lineOf(source, 'Rg-C'), billedCost: '0', currency: 'USD', resourceGroup: 'rg-c', tags: {} },
    ],
  };
}

async function check(bytes: Buffer | string, source: string, chunkSize = 0) {
  const { rows, quarantined, all } = await collect((await open(bytes, chunkSize)).rows);
  const want = expectations(source);
  assert.equal(quarantined.length, want.quarantined.length, JSON.stringify(quarantined, null, 1));
  quarantined.forEach((q, i) => {
    assert.equal(q.line, want.quarantined[i].line, q.reason);
    assert.match(q.reason, want.quarantined[i].reason);
    assert.equal(q.raw, source.split(/\r?\n/)[q.line - 1], 'raw is the line as written');
  });
  assert.deepEqual(
    rows.map(({ line, row }) => ({ line, billedCost: row.billedCost, currency: row.currency, resourceGroup: row.resourceGroup, tags: row.tags })),
    want.rows,
  );
  // file order is kept across rows and quarantined rows
  const lines = all.map((item) => item.line);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
}

describe('quarantine', () => {
  it('quarantines exactly the bad date, bad amount, unknown currency and short row, with their lines and reasons', async () => {
    assert.equal(lineOf(text, '09/03/2023,sub-1\n'), 8, 'fixture layout');
    await check(text, text);
  });

  it('gives the same lines for CRLF line endings, including the quoted multi-line field', async () => {
    const crlf = text.replace(/\n/g, '\r\n');
    await check(crlf, text);
  });

  it('gives the same result when the bytes arrive one at a time, and when gzipped', async () => {
    await check(text.replace(/\n/g, '\r\n'), text, 1);
    await check(gzipSync(Buffer.from(text)), text);
    await check(gzipSync(Buffer.from(text)), text, 7);
  });

  it('handles old Mac line endings (lone CR)', async () => {
    await check(text.replace(/\n/g, '\r'), text);
    await check(text.replace(/\n/g, '\r'), text, 1);
  });

  it('quarantines an unclosed quote with everything after it instead of losing it', async () => {
    const lines = text.split('\n').slice(0, 2);
    const bad = `${lines.join('\n')}\n09/06/2023,sub-1,rg-a,/x,Storage,1,USD,"{""a"": ""b""\n09/07/2023,sub-1,rg-a,/x,Storage,2,USD,\n`;
    const { rows, quarantined } = await collect((await open(bad)).rows);
    assert.equal(rows.length, 1);
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0].line, 3);
    assert.match(quarantined[0].reason, /Quote Not Closed/);
    assert.match(quarantined[0].raw, /^09\/06\/2023.*\n09\/07\/2023.*USD,$/);
  });

  it('quarantines a missing cost and a missing date by column name', async () => {
    const header = text.split('\n')[0];
    const { quarantined } = await collect((await open(`${header}\n,sub-1,rg,/x,Storage,,USD,\n`)).rows);
    assert.equal(quarantined.length, 1);
    assert.equal(quarantined[0].reason, 'Date: missing (required); Cost: missing (required)');
  });

  it('quarantines tags Postgres cannot store (a lone surrogate, nesting past 64 levels) by line, and keeps the rest', async () => {
    // the surrogate reached the COPY and failed the whole import naming nothing; 20,000 levels overflowed the
    // stack turning a value into text (an internal error)
    const header = text.split('\n')[0];
    const cell = (json: string) => `"${json.replaceAll('"', '""')}"`;
    const body = [
      header,
      `09/01/2023,sub-1,rg,/x,Storage,1,USD,${cell('{"k": "a\\ud800"}')}`,
      `09/01/2023,sub-1,rg,/x,Storage,2,USD,${cell(`{"k": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`)}`,
      `09/01/2023,sub-1,rg,/x,Storage,3,USD,${cell('{"k": [["fine"]], "pair": "\\ud83d\\ude80"}')}`,
    ].join('\n');
    const { rows, quarantined } = await collect((await open(`${body}\n`)).rows);
    assert.deepEqual(quarantined.map((q) => q.line), [2, 3]);
    assert.match(quarantined[0].reason, /^Tags: ".*": tag k must not contain an unpaired surrogate/);
    assert.match(quarantined[1].reason, /^Tags: ".*": tag k(\.0)+ must not nest objects and lists deeper than 64 levels$/);
    assert.deepEqual(rows.map((r) => r.row.tags), [{ k: '[["fine"]]', pair: '\u{1F680}' }]);
  });

  it('quarantines tags that are neither JSON nor a key-value list', async () => {
    const header = text.split('\n')[0];
    const { quarantined } = await collect((await open(`${header}\n09/01/2023,sub-1,rg,/x,Storage,1,USD,env=prod\n`)).rows);
    assert.match(quarantined[0].reason, /^Tags: "env=prod" is not a JSON object/);
  });

  it('FOCUS: quarantines NULL BilledCost, a bad period and a missing provider; NULL elsewhere is fine', async () => {
    const header = 'BilledCost,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,ProviderName,ServiceName,EffectiveCost';
    const body = [
      'NULL,2024-09-01 00:00:00,2024-09-02 00:00:00,USD,AWS,S3,NULL',
      '1.0,2024-09-02 00:00:00,2024-09-01 00:00:00,USD,AWS,S3,1.0',
      '1.0,2024-09-01 00:00:00,2024-09-02 00:00:00,USD,NULL,S3,1.0',
      '1.0,2024-09-01 00:00:00,2024-09-02 00:00:00,USD,Google Cloud,NULL,NULL',
    ];
    const { rows, quarantined } = await collect((await openCostFile(Readable.from([Buffer.from([header, ...body].join('\n'))]), { format: 'focus' })).rows);
    assert.deepEqual(
      quarantined.map((q) => [q.line, q.reason]),
      [
        [2, 'BilledCost: missing (required)'],
        [3, 'ChargePeriodEnd: 2024-09-01T00:00:00.000Z is before ChargePeriodStart 2024-09-02T00:00:00.000Z'],
        [4, 'ProviderName: missing (required)'],
      ],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0].row.provider, 'gcp');
    assert.equal(rows[0].row.serviceName, null);
    assert.equal(rows[0].row.effectiveCost, null);
  });
});
