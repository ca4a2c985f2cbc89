/**
 * Cost files at the edges of what bills hold: a byte order mark split across chunks, line endings that change
 * after the header, dates and amounts no bill has, and the cost basis an Azure export shows.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { csvRecordBatches } from '../../../src/ingest/costs/csv-records.js';
import { openCostFile } from '../../../src/ingest/costs/index.js';
import { fixturePath } from '../../support/fixtures.js';
import { collect } from './support/raw-csv.js';

const bytewise = (buf: Buffer) => Readable.from(Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1)));
const openText = (text: string) => openCostFile(Readable.from([Buffer.from(text)]), { format: 'auto' });
const FOCUS_HEADER = 'BilledCost,ChargePeriodStart,ChargePeriodEnd,BillingCurrency,ProviderName';

describe('a byte order mark split across decoded chunks', () => {
  const text = '\uFEFF"BilledCost","ChargePeriodStart","ChargePeriodEnd","BillingCurrency","ProviderName"\r\n"1","2024-01-01T00:00:00Z","2024-01-02T00:00:00Z","USD","AWS"\r\n';

  it('is removed when the records are fed one byte at a time', async () => {
    const records = [];
    for await (const batch of csvRecordBatches(bytewise(Buffer.from(text)), 1 << 20)) records.push(...batch);
    assert.deepEqual(records[0].fields, ['BilledCost', 'ChargePeriodStart', 'ChargePeriodEnd', 'BillingCurrency', 'ProviderName']);
    assert.equal(records.length, 2);
  });

  it('is removed from a gzip file read one byte at a time (its first inflated chunk can end inside the mark)', async () => {
    const opened = await openCostFile(bytewise(gzipSync(text)), { format: 'auto' });
    assert.equal(opened.columns[0], 'BilledCost');
    assert.deepEqual((await collect(opened.rows)).rows.map((r) => r.row.billedCost), ['1']);
  });
});

describe('line endings that change after the header', () => {
  const row = (cost: number) => `${cost},2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,USD,"AWS"`;

  it('a CRLF header with LF rows: every row is a record of its own, on its own line', async () => {
    const { rows, quarantined } = await collect((await openText(`${FOCUS_HEADER}\r\n${[row(1), row(2), row(3)].join('\n')}\n`)).rows);
    assert.deepEqual(quarantined, []);
    assert.deepEqual(rows.map((r) => [r.line, r.row.billedCost, r.row.provider]), [[2, '1', 'aws'], [3, '2', 'aws'], [4, '3', 'aws']]);
  });

  it('an LF header with CRLF rows (a quoted last field before the CR), and CRLF blank lines, read the same', async () => {
    const { rows, quarantined } = await collect((await openText(`${FOCUS_HEADER}\n${[row(1), row(2), '', row(3)].join('\r\n')}\r\n\r\n`)).rows);
    assert.deepEqual(quarantined, []);
    assert.deepEqual(rows.map((r) => [r.line, r.row.billedCost, r.row.provider]), [[2, '1', 'aws'], [3, '2', 'aws'], [5, '3', 'aws']]);
    assert.equal(rows[2].row.currency, 'USD');
  });

  it('the raw text of a quarantined record keeps no line break', async () => {
    const bad = 'x,2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,USD,AWS';
    const { quarantined } = await collect((await openText(`${FOCUS_HEADER}\r\n${row(1)}\n${bad}\r\n`)).rows);
    assert.deepEqual(quarantined.map((q) => [q.line, q.raw]), [[3, bad]]);
  });
});

describe('dates outside the years served', () => {
  it('quarantines FOCUS and Azure lines dated before 2000 or after 2100, with their lines and reasons; the rest load', async () => {
    const lines = [
      FOCUS_HEADER,
      '1,9999-12-31T00:00:00Z,9999-12-31T23:00:00Z,USD,AWS',
      '2,2024-09-01T00:00:00Z,2024-09-02T00:00:00Z,USD,AWS',
      '3,1000-01-01T00:00:00Z,1000-01-02T00:00:00Z,USD,AWS',
      '4,2000-01-01T00:00:00+01:00,2000-01-01T01:00:00Z,USD,AWS',
    ];
    const { rows, quarantined } = await collect((await openText(lines.join('\n'))).rows);
    assert.deepEqual(rows.map((r) => [r.line, r.row.billedCost]), [[3, '2']]);
    assert.deepEqual(quarantined.map((q) => q.line), [2, 4, 5]);
    assert.match(quarantined[0].reason, /^ChargePeriodStart: "9999-12-31T00:00:00Z" is outside the years 2000 to 2100; ChargePeriodEnd: "9999-12-31T23:00:00Z" is outside/);
    assert.match(quarantined[1].reason, /^ChargePeriodStart: "1000-01-01T00:00:00Z" is outside the years 2000 to 2100/);
    // 1999-12-31T23:00Z
    assert.match(quarantined[2].reason, /^ChargePeriodStart: "2000-01-01T00:00:00\+01:00" is outside the years 2000 to 2100$/);

    const azure = ['SubscriptionId,Date,MeterCategory,Cost,BillingCurrency,BillingPeriodStartDate,BillingPeriodEndDate', 's,12/31/9999,VM,1,USD,09/01/2024,09/30/2024', 's,09/02/2024,VM,2,USD,09/01/9999,09/30/9999'];
    const read = await collect((await openText(azure.join('\n'))).rows);
    assert.deepEqual(read.quarantined.map((q) => [q.line, q.reason]), [[2, 'Date: "12/31/9999" is outside the years 2000 to 2100']]);
    // a billing period is a hint: one outside the years is left out, the line kept
    assert.equal(read.rows[0].row.billingPeriodStart, undefined);
  });
});

describe('amounts with more digits than a bill writes', () => {
  it('quarantines them with their lines and reasons, and keeps the longest real amounts', async () => {
    const at = (v: string) => `${v},2024-01-01T00:00:00Z,2024-01-02T00:00:00Z,USD,AWS`;
    const lines = [FOCUS_HEADER, at('0.0000000072922557592391990000'), at(`0.${'1'.repeat(17_000)}`), at('9'.repeat(132_000)), at('1e400'), at('-1e-61'), at('1e29')];
    const { rows, quarantined } = await collect((await openText(lines.join('\n'))).rows);
    assert.deepEqual(rows.map((r) => [r.line, r.row.billedCost]), [[2, '0.0000000072922557592391990000'], [7, '100000000000000000000000000000']]);
    assert.deepEqual(quarantined.map((q) => [q.line, q.reason]), [
      [3, `BilledCost: "0.${'1'.repeat(75)}..." has 17000 digits after the decimal point (at most 60), more than a bill amount or quantity`],
      [4, `BilledCost: "${'9'.repeat(77)}..." has 132000 digits before the decimal point (at most 30), more than a bill amount or quantity`],
      [5, 'BilledCost: "1e400" has 401 digits before the decimal point (at most 30), more than a bill amount or quantity'],
      [6, 'BilledCost: "-1e-61" has 61 digits after the decimal point (at most 60), more than a bill amount or quantity'],
    ]);
  });
});

describe('the cost basis an Azure export shows', () => {
  const basisOf = async (name: string) => {
    const opened = await openCostFile(createReadStream(fixturePath('finops-toolkit', name)), { format: 'auto' });
    await collect(opened.rows);
    return opened.costBasis;
  };

  it('ActualCost: the reservation purchase with its cost (line 2); AmortizedCost: reservation usage with cost (line 2)', async () => {
    assert.deepEqual(await basisOf('EA_ActualCost_Small.csv'), { actual: 2, amortized: null });
    assert.deepEqual(await basisOf('EA_AmortizedCost_Small.csv'), { actual: null, amortized: 2 });
  });

  it('unused reservation lines are amortized; lines at no cost, or without a commitment, show nothing', async () => {
    const header = 'SubscriptionId,Date,MeterCategory,Cost,BillingCurrency,ChargeType,PricingModel';
    const file = (...rows: string[]) => openText([header, ...rows].join('\n'));
    const basis = async (...rows: string[]) => {
      const opened = await file(...rows);
      await collect(opened.rows);
      return opened.costBasis;
    };
    assert.deepEqual(await basis('s,09/01/2024,VM,0,USD,Usage,Reservation', 's,09/01/2024,VM,5,USD,Usage,OnDemand', 's,09/01/2024,VM,9,USD,Purchase,OnDemand'), { actual: null, amortized: null });
    assert.deepEqual(await basis('s,09/01/2024,VM,1,USD,Usage,OnDemand', 's,09/01/2024,VM,0.5,USD,UnusedReservation,Reservation'), { actual: null, amortized: 3 });
    assert.deepEqual(await basis('s,09/01/2024,VM,120,USD,Purchase,SavingsPlan'), { actual: 2, amortized: null });
  });
});
