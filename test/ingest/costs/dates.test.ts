import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAzureDay, parseTimestamp } from '../../../src/ingest/costs/index.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('parseAzureDay', () => {
  it('reads slash dates month first', () => {
    assert.equal(iso(parseAzureDay('09/21/2023')), '2023-09-21T00:00:00.000Z');
    assert.equal(iso(parseAzureDay('02/03/2021')), '2021-02-03T00:00:00.000Z');
    assert.equal(iso(parseAzureDay('2/3/2021')), '2021-02-03T00:00:00.000Z');
    assert.equal(iso(parseAzureDay('9/1/2023 12:00:00 AM')), '2023-09-01T00:00:00.000Z');
  });

  it('rejects a slash date that only makes sense day first instead of flipping it', () => {
    assert.equal(parseAzureDay('21/09/2023'), null);
    assert.equal(parseAzureDay('13/01/2023'), null);
  });

  it('reads ISO dates, ISO date-times, yyyymmdd and dotted German dates', () => {
    assert.equal(iso(parseAzureDay('2021-02-02')), '2021-02-02T00:00:00.000Z');
    assert.equal(iso(parseAzureDay('2023-09-01T00:00:00.0000000Z')), '2023-09-01T00:00:00.000Z');
    assert.equal(iso(parseAzureDay('2023-09-01T00:00:00')), '2023-09-01T00:00:00.000Z');
    assert.equal(iso(parseAzureDay('20230921')), '2023-09-21T00:00:00.000Z');
    assert.equal(iso(parseAzureDay('21.09.2023')), '2023-09-21T00:00:00.000Z');
  });

  it('rejects impossible and malformed dates', () => {
    for (const bad of ['2023-02-29', '2023-04-31', '2023-13-01', '02/30/2021', '00/10/2021', '20231301', 'yesterday', '2023-9-1', '', '0099-01-01']) {
      assert.equal(parseAzureDay(bad), null, bad);
    }
    assert.equal(iso(parseAzureDay('2024-02-29')), '2024-02-29T00:00:00.000Z');
  });
});

describe('parseTimestamp', () => {
  it('reads zone-less FOCUS timestamps as UTC', () => {
    assert.equal(iso(parseTimestamp('2024-09-18 22:00:00')), '2024-09-18T22:00:00.000Z');
    assert.equal(iso(parseTimestamp('2024-09-18T22:00')), '2024-09-18T22:00:00.000Z');
    assert.equal(iso(parseTimestamp('2024-09-18')), '2024-09-18T00:00:00.000Z');
  });

  it('applies zones and fractions', () => {
    assert.equal(iso(parseTimestamp('2024-09-18T22:00:00Z')), '2024-09-18T22:00:00.000Z');
    assert.equal(iso(parseTimestamp('2024-09-18T22:00:00.1234567Z')), '2024-09-18T22:00:00.123Z');
    assert.equal(iso(parseTimestamp('2024-09-19T00:30:00+02:00')), '2024-09-18T22:30:00.000Z');
    assert.equal(iso(parseTimestamp('2024-09-18T20:00:00-0230')), '2024-09-18T22:30:00.000Z');
  });

  it('rejects what is not a timestamp', () => {
    for (const bad of ['2024-09-18 24:00:00', '2024-09-18 22:60:00', '2024-02-30 00:00:00', '09/18/2024', 'NULL', '', '2024-09-18T22:00:00+25']) {
      assert.equal(parseTimestamp(bad), null, bad);
    }
  });
});
