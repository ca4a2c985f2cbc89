import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertTimeZone, parseBytes, parseDuration, parseInteger, parsePercent, parseTimestamp, UnitParseError,
} from '../../../src/ingest/nextflow/units.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;
const TB = 1024 * GB;

function throwsNaming(fn: () => unknown, value: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof UnitParseError, `expected UnitParseError, got ${String(err)}`);
    assert.ok(err.message.includes(value), `message ${JSON.stringify(err.message)} should name ${value}`);
    return true;
  });
}

describe('parseDuration', () => {
  it('reads the human-readable forms Nextflow prints', () => {
    assert.equal(parseDuration('1h 2m 3s'), 1 * HOUR + 2 * MIN + 3 * SEC);
    assert.equal(parseDuration('4.5s'), 4 * SEC + 500);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('2d 3h'), 2 * DAY + 3 * HOUR);
    assert.equal(parseDuration('5m 18s'), 5 * MIN + 18 * SEC);
    assert.equal(parseDuration('1h'), HOUR);
    assert.equal(parseDuration('1h 1m 9s'), HOUR + MIN + 9 * SEC);
  });

  it('rounds decimal seconds to whole milliseconds instead of keeping float noise', () => {
    // 16.2 * 1000 is 16200.000000000002 in floating point
    assert.equal(parseDuration('16.2s'), 16200);
    assert.ok(Number.isInteger(parseDuration('30.4s')));
  });

  it('reads raw milliseconds, as text (trace.raw) or as a JSON number (weblog)', () => {
    assert.equal(parseDuration('3723000'), 3723000);
    assert.equal(parseDuration(201101), 201101);
    assert.equal(parseDuration(0), 0);
  });

  it('treats "-", empty and null as no value', () => {
    assert.equal(parseDuration('-'), null);
    assert.equal(parseDuration(''), null);
    assert.equal(parseDuration(null), null);
    assert.equal(parseDuration(undefined), null);
  });

  it('rejects garbage naming the value', () => {
    throwsNaming(() => parseDuration('abc'), '"abc"');
    throwsNaming(() => parseDuration('1x'), '"1x"');
    throwsNaming(() => parseDuration('1m 5'), '"1m 5"');
    throwsNaming(() => parseDuration(-5), '-5');
    throwsNaming(() => parseDuration(true), 'true');
  });
});

describe('parseBytes', () => {
  it('reads Nextflow sizes with 1024-based units', () => {
    assert.equal(parseBytes('2 GB'), 2 * GB);
    assert.equal(parseBytes('512 MB'), 512 * MB);
    assert.equal(parseBytes('1.5 TB'), 1.5 * TB);
    assert.equal(parseBytes('468 B'), 468);
    assert.equal(parseBytes('43.5 KB'), 43.5 * KB);
    assert.equal(parseBytes('1006 KB'), 1006 * KB);
    assert.equal(parseBytes('218.2 MB'), Math.round(218.2 * MB));
  });

  it('reads raw byte counts and the bare 0 Nextflow prints for an empty size', () => {
    assert.equal(parseBytes('7516192768'), 7516192768);
    assert.equal(parseBytes(7516192768), 7516192768);
    assert.equal(parseBytes('0'), 0);
  });

  it('accepts hand-written variants: no space, lower case, KiB, bare unit letter', () => {
    assert.equal(parseBytes('2GB'), 2 * GB);
    assert.equal(parseBytes('2 gb'), 2 * GB);
    assert.equal(parseBytes('2 GiB'), 2 * GB);
    assert.equal(parseBytes('2G'), 2 * GB);
  });

  it('rejects garbage naming the value', () => {
    throwsNaming(() => parseBytes('abc'), '"abc"');
    throwsNaming(() => parseBytes('2 XB'), '"2 XB"');
    throwsNaming(() => parseBytes('GB'), '"GB"');
    throwsNaming(() => parseBytes({}), '{}');
  });
});

describe('parsePercent', () => {
  it('reads human and raw forms', () => {
    assert.equal(parsePercent('98.5%'), 98.5);
    assert.equal(parsePercent('350.2%'), 350.2);
    assert.equal(parsePercent('0.0%'), 0);
    assert.equal(parsePercent('97.8'), 97.8);
    assert.equal(parsePercent(0.1), 0.1);
    // Java's Float.toString, used by raw traces, switches to exponent notation below 1e-3
    assert.equal(parsePercent('1.0E-4'), 0.0001);
    assert.equal(parsePercent('-'), null);
  });

  it('rejects garbage naming the value', () => {
    throwsNaming(() => parsePercent('abc'), '"abc"');
    throwsNaming(() => parsePercent('-3%'), '"-3%"');
    throwsNaming(() => parsePercent(Number.NaN), 'NaN');
  });
});

describe('parseInteger', () => {
  it('reads whole numbers and enforces the minimum', () => {
    assert.equal(parseInteger('137'), 137);
    assert.equal(parseInteger('-1'), -1);
    assert.equal(parseInteger(42), 42);
    assert.equal(parseInteger('-'), null);
    throwsNaming(() => parseInteger('1.5'), '"1.5"');
    throwsNaming(() => parseInteger('-1', { min: 0 }), '"-1"');
  });
});

describe('parseTimestamp', () => {
  it('reads a trace date as UTC by default', () => {
    assert.equal(parseTimestamp('2023-04-05 12:34:56.789')?.toISOString(), '2023-04-05T12:34:56.789Z');
    assert.equal(parseTimestamp('2023-04-05 12:34:56')?.toISOString(), '2023-04-05T12:34:56.000Z');
  });

  it('reads a trace date as wall-clock time in the given IANA zone', () => {
    // CEST is UTC+2 on 5 April
    assert.equal(parseTimestamp('2023-04-05 12:34:56.789', 'Europe/Berlin')?.toISOString(), '2023-04-05T10:34:56.789Z');
    // CET is UTC+1 in January
    assert.equal(parseTimestamp('2023-01-05 12:34:56.789', 'Europe/Berlin')?.toISOString(), '2023-01-05T11:34:56.789Z');
    // a half-hour offset, and a zone behind UTC crossing midnight
    assert.equal(parseTimestamp('2023-04-05 12:34:56.789', 'Asia/Kolkata')?.toISOString(), '2023-04-05T07:04:56.789Z');
    assert.equal(parseTimestamp('2023-04-05 22:00:00.000', 'America/New_York')?.toISOString(), '2023-04-06T02:00:00.000Z');
  });

  it('gets both sides of a DST change right even though offsets are cached per minute', () => {
    // Berlin springs forward at 02:00 local on 26 March 2023 (01:00 UTC)
    assert.equal(parseTimestamp('2023-03-26 01:59:59.999', 'Europe/Berlin')?.toISOString(), '2023-03-26T00:59:59.999Z');
    assert.equal(parseTimestamp('2023-03-26 03:00:00.000', 'Europe/Berlin')?.toISOString(), '2023-03-26T01:00:00.000Z');
    throwsNaming(() => parseTimestamp('2023-03-26 02:30:00.000', 'Europe/Berlin'), '"2023-03-26 02:30:00.000"');
  });

  it('reads raw epoch milliseconds and ISO-8601 with a zone', () => {
    assert.equal(parseTimestamp('1538912529498')?.getTime(), 1538912529498);
    assert.equal(parseTimestamp(1538912529498)?.getTime(), 1538912529498);
    assert.equal(parseTimestamp('2018-10-07T11:45:30Z')?.toISOString(), '2018-10-07T11:45:30.000Z');
    assert.equal(parseTimestamp('2018-10-07T13:45:30+02:00', 'America/New_York')?.toISOString(), '2018-10-07T11:45:30.000Z');
  });

  it('rejects impossible dates and garbage naming the value', () => {
    throwsNaming(() => parseTimestamp('2023-02-30 10:00:00.000'), '"2023-02-30 10:00:00.000"');
    throwsNaming(() => parseTimestamp('2023-04-05 12:34:61.000'), '"2023-04-05 12:34:61.000"');
    throwsNaming(() => parseTimestamp('yesterday'), '"yesterday"');
    throwsNaming(() => parseTimestamp(1.5), '1.5');
  });

  it('refuses an unknown time zone, naming it', () => {
    assert.throws(() => assertTimeZone('Mars/Olympus_Mons'), /Mars\/Olympus_Mons/);
    assert.equal(assertTimeZone('Europe/Berlin'), 'Europe/Berlin');
  });
});
