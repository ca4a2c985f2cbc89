import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { createOrganization } from '../../src/services/organizations.js';
import { CostImportService, importCostFile, type CostImportReport } from '../../src/services/cost-import.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fixturePath } from '../support/fixtures.js';
import { readRawCsv, scaled, sumBy, usDateToIso, type RawCsv } from '../ingest/costs/support/raw-csv.js';

const EA_ACTUAL = fixturePath('finops-toolkit', 'EA_ActualCost_Small.csv');
const EA_AMORTIZED = fixturePath('finops-toolkit', 'EA_AmortizedCost_Small.csv');
const FOCUS = fixturePath('focus-sample', 'focus_sample.csv');

/** Independent expectations: the raw file read with csv-parse/sync, summed exactly on BigInt. */
const fixtures = [
  { name: 'EA_ActualCost_Small.csv', file: EA_ACTUAL, format: 'azure', variant: 'ea', cost: 'Cost', currency: 'BillingCurrency' },
  { name: 'EA_AmortizedCost_Small.csv', file: EA_AMORTIZED, format: 'azure', variant: 'ea', cost: 'Cost', currency: 'BillingCurrency' },
  { name: 'focus_sample.csv', file: FOCUS, format: 'focus', variant: 'focus-1.0', cost: 'BilledCost', currency: 'BillingCurrency' },
] as const;

/** Sorted [currency, scaled total] pairs from a report or a query, for deepEqual against the raw sums. */
const scaledTotals = (totals: { currency: string; amount: string }[]) => totals.map((t) => [t.currency.trim(), scaled(t.amount)] as const).sort();
const rawTotals = (raw: RawCsv, cost: string, currency: string) => [...sumBy(raw.records, (r) => r[currency], (r) => r[cost])].sort();

/** Min start and max end of the raw file's charge periods, as ISO (EA: daily rows on US dates; FOCUS: the period columns). */
function rawPeriod(raw: RawCsv, format: string): [string, string] {
  if (format === 'azure') {
    const days = raw.records.map((r) => usDateToIso(r.Date)).sort();
    const end = new Date(`${days.at(-1)}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() + 1);
    return [`${days[0]}T00:00:00.000Z`, end.toISOString()];
  }
  const starts = raw.records.map((r) => r.ChargePeriodStart).sort();
  const ends = raw.records.map((r) => r.ChargePeriodEnd).sort();
  return [`${starts[0].replace(' ', 'T')}.000Z`, `${ends.at(-1)!.replace(' ', 'T')}.000Z`];
}

/** Fields of a record as one CSV line, every field quoted. */
const csvLine = (fields: string[]) => fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(',');

describe('importCostFile', () => {
  let t: TestDatabase;
  let newOrg: (slug: string) => Promise<string>;
  const costState = async (orgId: string) => {
    const [s] = await t.sql<{ n: number; total: string | null }[]>`select count(*)::int as n, sum(billed_cost)::text as total from cost_records where org_id = ${orgId}`;
    return s;
  };
  const importRow = async (id: string) => (await t.sql`select status, error, rows_read, rows_loaded, rows_rejected, format from imports where id = ${id}`)[0];
  const importFile = (orgId: string, input: Readable, fileName: string, format: 'auto' | 'azure' | 'focus' = 'auto') =>
    importCostFile({ sql: t.sql, db: t.db }, orgId, input, { fileName, format });

  before(async () => {
    t = await createTestDatabase();
    newOrg = async (slug) => (await createOrganization(t.db, { name: slug, slug })).organization.id;
  });
  after(() => t.drop());

  fixtures.forEach((fx, i) => {
    test(`${fx.name}: every row loads; totals per currency and the period equal the raw file's`, async () => {
      const orgId = await newOrg(`fixture-${i}`);
      const raw = readRawCsv(fx.file);
      const report = await importFile(orgId, createReadStream(fx.file), fx.name);
      assert.equal(report.status, 'SUCCEEDED');
      assert.equal(report.format, fx.format);
      assert.equal(report.variant, fx.variant);
      assert.equal(report.rowsRead, raw.records.length);
      assert.equal(report.rowsLoaded, raw.records.length);
      assert.equal(report.rowsUnchanged, 0);
      assert.equal(report.rowsQuarantined, 0);
      assert.deepEqual(report.quarantined, []);
      assert.deepEqual(scaledTotals(report.totals), rawTotals(raw, fx.cost, fx.currency));
      assert.deepEqual([report.periodStart, report.periodEnd], rawPeriod(raw, fx.format));

      // what is stored: the same sum, every row tagged with this import
      const [stored] = await t.sql`select count(*)::int as n, count(distinct row_hash)::int as hashes from cost_records where org_id = ${orgId} and source = 'file' and source_id = ${report.importId}`;
      assert.equal(stored.n, raw.records.length);
      assert.equal(stored.hashes, raw.records.length);
      const byCurrency = await t.sql<{ currency: string; amount: string }[]>`select currency, sum(billed_cost)::text as amount from cost_records where org_id = ${orgId} group by currency`;
      assert.deepEqual(scaledTotals(byCurrency), rawTotals(raw, fx.cost, fx.currency));
      const imp = await importRow(report.importId);
      assert.deepEqual({ ...imp }, { status: 'SUCCEEDED', error: null, rows_read: raw.records.length, rows_loaded: raw.records.length, rows_rejected: 0, format: `${fx.format}/${fx.variant}` });
    });
  });

  test('the same file imported twice at once: together they load it once, and the totals are the file\'s', async () => {
    const orgId = await newOrg('concurrent');
    // 8,000 rows into months the organization has no rows in yet: both loads may skip the stored-hash lookup at first
    const [header, ...lines] = readFileSync(FOCUS, 'utf8').trimEnd().split('\n');
    const body = Buffer.from([header, ...Array.from({ length: 8 }, () => lines).flat()].join('\n') + '\n');
    const [a, b] = await Promise.all([importFile(orgId, Readable.from([body]), 'a.csv'), importFile(orgId, Readable.from([body]), 'b.csv')]);
    const rows = a.rowsRead - a.rowsQuarantined;
    assert.equal(a.rowsLoaded + b.rowsLoaded, rows);
    assert.equal(a.rowsUnchanged + b.rowsUnchanged, rows);
    assert.deepEqual(a.totals, b.totals);
    const [{ n }] = await t.sql`select count(*)::int as n from cost_records where org_id = ${orgId}`;
    assert.equal(n, rows);
    assert.equal((await importFile(orgId, Readable.from([body]), 'c.csv')).rowsLoaded, 0);
  });

  test('importing the same file twice loads nothing the second time and leaves totals as they were', async () => {
    const orgId = await newOrg('twice');
    const first = await importFile(orgId, createReadStream(FOCUS), 'focus_sample.csv');
    const state = await costState(orgId);
    const second = await importFile(orgId, createReadStream(FOCUS), 'focus_sample.csv');
    assert.equal(second.rowsLoaded, 0);
    assert.equal(second.rowsUnchanged, first.rowsLoaded);
    assert.deepEqual(second.totals, first.totals, "the report still totals the file's rows");
    assert.deepEqual(await costState(orgId), state);
    const [{ n }] = await t.sql`select count(*)::int as n from imports where org_id = ${orgId} and status = 'SUCCEEDED'`;
    assert.equal(n, 2);
  });

  test('a gzip file imports like the plain one (same rows: the second import finds them all present)', async () => {
    const orgId = await newOrg('gzip');
    const gz = gzipSync(readFileSync(FOCUS));
    const zipped = await importFile(orgId, Readable.from([gz]), 'focus_sample.csv.gz');
    const raw = readRawCsv(FOCUS);
    assert.equal(zipped.rowsLoaded, raw.records.length);
    assert.deepEqual(scaledTotals(zipped.totals), rawTotals(raw, 'BilledCost', 'BillingCurrency'));
    const plain = await importFile(orgId, createReadStream(FOCUS), 'focus_sample.csv');
    assert.equal(plain.rowsLoaded, 0);
    assert.equal(plain.rowsUnchanged, raw.records.length);
    assert.deepEqual(plain.totals, zipped.totals);
  });

  test('bad rows are quarantined on their lines with reasons; the good rows load', async () => {
    const orgId = await newOrg('bad-rows');
    const raw = readRawCsv(EA_ACTUAL);
    const col = (name: string) => raw.header.indexOf(name);
    const fields = (i: number) => raw.header.map((h) => raw.records[i][h]);
    const withField = (i: number, name: string, value: string) => fields(i).map((f, j) => (j === col(name) ? value : f));
    // line 1 is the header; each record below sits on its own line
    const body: { fields: string[]; bad?: RegExp }[] = [
      { fields: fields(0) },
      { fields: withField(1, 'Date', '13/45/2023'), bad: /Date/ },
      { fields: fields(2) },
      { fields: withField(3, 'Cost', '12.3.4'), bad: /Cost/ },
      { fields: withField(4, 'BillingCurrency', 'XYZ'), bad: /BillingCurrency|currency/ },
      { fields: fields(5).slice(0, 3), bad: /Date: missing \(required\).*the record has 3 of the header's 55 fields/ },
      { fields: [...fields(5), 'extra'], bad: /^wrong field count: expected 55 fields \(as in the header\), got 56$/ },
      { fields: fields(6) },
    ];
    const text = [csvLine(raw.header), ...body.map((b) => csvLine(b.fields))].join('\r\n') + '\r\n';
    const report = await importFile(orgId, Readable.from([Buffer.from(text)]), 'bad.csv');

    const expectedBad = body.flatMap((b, i) => (b.bad ? [{ line: i + 2, reason: b.bad }] : []));
    assert.equal(report.rowsRead, body.length);
    assert.equal(report.rowsQuarantined, expectedBad.length);
    assert.equal(report.rowsLoaded, body.length - expectedBad.length);
    assert.deepEqual(report.quarantined.map((q) => q.line), expectedBad.map((b) => b.line));
    report.quarantined.forEach((q, i) => {
      assert.match(q.reason, expectedBad[i].reason);
      assert.equal(q.raw, csvLine(body[q.line - 2].fields), 'the raw line is kept as written');
    });
    const good = body.filter((b) => !b.bad);
    const expected = [...sumBy(good.map((b) => b.fields), (f) => f[col('BillingCurrency')], (f) => f[col('Cost')])].sort();
    assert.deepEqual(scaledTotals(report.totals), expected);

    const rejects = await t.sql`select line, reason from import_rejects where org_id = ${orgId} and import_id = ${report.importId} order by line`;
    assert.deepEqual(rejects.map((r) => r.line), expectedBad.map((b) => b.line));
    assert.equal((await importRow(report.importId)).rows_rejected, expectedBad.length);
  });

  test('a row with a NUL character past the first 64 KiB is quarantined, not fatal', async () => {
    const orgId = await newOrg('nul-row');
    const text = readFileSync(FOCUS, 'utf8');
    const lines = text.trimEnd().split('\n');
    const poisoned = lines[900].replace('"Usage"', '"Us\u0000age"');
    assert.notEqual(poisoned, lines[900]);
    const body = [...lines.slice(0, 900), poisoned, ...lines.slice(901)].join('\n');
    const report = await importFile(orgId, Readable.from([Buffer.from(body)]), 'nul.csv');
    assert.equal(report.rowsQuarantined, 1);
    assert.equal(report.quarantined[0].line, 901);
    assert.equal(report.rowsLoaded, lines.length - 2);
  });

  test('a file that is not a cost export is refused (BAD_USER_INPUT), recorded as FAILED, and what was stored before stays', async () => {
    const orgId = await newOrg('not-costs');
    await importFile(orgId, createReadStream(EA_ACTUAL), 'EA_ActualCost_Small.csv');
    const state = await costState(orgId);
    const trace = 'task_id\thash\tnative_id\tname\tstatus\n1\tab/cdef12\t123\tFASTQC (s1)\tCOMPLETED\n';
    const err = await importFile(orgId, Readable.from([Buffer.from(trace)]), 'trace.txt').then(
      () => assert.fail('a trace file must be refused'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppError);
    assert.equal(err.code, 'BAD_USER_INPUT');
    assert.match(err.message, /trace\.txt/);
    assert.deepEqual(await costState(orgId), state);
    const [failed] = await t.sql`select status, error from imports where org_id = ${orgId} and file_name = 'trace.txt'`;
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.error, /trace\.txt/);
  });

  test('a gzip file corrupt part-way fails as a whole: nothing of it is loaded or quarantined, and the import is FAILED', async () => {
    const orgId = await newOrg('corrupt');
    await importFile(orgId, createReadStream(EA_AMORTIZED), 'EA_AmortizedCost_Small.csv');
    const state = await costState(orgId);
    // the sample's rows ten times over (10,000 rows), so thousands decode and reach the COPY before the damage
    const [header, ...lines] = readFileSync(FOCUS, 'utf8').trimEnd().split('\n');
    const gz = gzipSync([header, ...Array.from({ length: 10 }, () => lines).flat()].join('\n') + '\n', { level: 1 });
    const cut = Math.floor(gz.length * 0.8);
    const corrupt = Buffer.concat([gz.subarray(0, cut), Buffer.alloc(4096, 0xa5)]);
    let rowsSeen = 0;
    const err = await importCostFile({ sql: t.sql, db: t.db }, orgId, Readable.from([corrupt.subarray(0, cut / 2), corrupt.subarray(cut / 2)]), {
      fileName: 'corrupt.csv.gz',
      format: 'auto',
      onProgress: (n) => (rowsSeen = n),
    }).then(
      () => assert.fail('a corrupt gzip must fail the import'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, 'BAD_USER_INPUT');
    assert.match(err.message, /gzip/);
    assert.deepEqual(await costState(orgId), state, 'no row of the failed import remains');
    const [failed] = await t.sql`select id, status, error, rows_loaded from imports where org_id = ${orgId} and file_name = 'corrupt.csv.gz'`;
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.error, /gzip/);
    assert.equal(failed.rows_loaded, 0);
    const [{ n }] = await t.sql`select count(*)::int as n from import_rejects where import_id = ${failed.id}`;
    assert.equal(n, 0);
    assert.equal(rowsSeen, 5000, 'rows were streamed to the loader, and the file failed before its end (no final progress call)');
  });

  test('an upload that breaks off after whole batches were copied fails with its own error, and nothing of it remains', async () => {
    const orgId = await newOrg('dropped');
    await importFile(orgId, createReadStream(EA_AMORTIZED), 'EA_AmortizedCost_Small.csv');
    const state = await costState(orgId);
    // 30,000 rows (the sample's, 30 times over: identical lines count as occurrences 0-29), cut off after about 25,000
    const [header, ...lines] = readFileSync(FOCUS, 'utf8').trimEnd().split('\n');
    const body = Buffer.from([header, ...Array.from({ length: 30 }, () => lines).flat()].join('\n') + '\n');
    async function* dropped(): AsyncGenerator<Buffer> {
      const stop = Math.floor(body.length * 0.85);
      for (let at = 0; at < stop; at += 64 * 1024) yield body.subarray(at, Math.min(at + 64 * 1024, stop));
      throw new Error('the client went away');
    }
    let rowsSeen = 0;
    const phases: string[] = [];
    await assert.rejects(
      importCostFile({ sql: t.sql, db: t.db }, orgId, Readable.from(dropped()), {
        fileName: 'dropped.csv',
        format: 'auto',
        onProgress: (n) => (rowsSeen = n),
        onLoadTiming: (phase) => phases.push(phase),
      }),
      /the client went away/,
    );
    assert.ok(phases.includes('copy'), 'whole batches were copied before the input broke');
    assert.ok(rowsSeen >= 20_000, `progress reported ${rowsSeen}`);
    assert.deepEqual(await costState(orgId), state, 'no row of the failed import remains');
    const [failed] = await t.sql`select status, error from imports where org_id = ${orgId} and file_name = 'dropped.csv'`;
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.error, /the client went away/);
  });

  test('a progress callback that throws fails its import, with its error, and nothing of it remains', async () => {
    const orgId = await newOrg('progress-throws');
    const state = await costState(orgId);
    // 10,000 rows: the worker reports progress at 5,000, from inside a message listener
    const [header, ...lines] = readFileSync(FOCUS, 'utf8').trimEnd().split('\n');
    const body = Buffer.from([header, ...Array.from({ length: 10 }, () => lines).flat()].join('\n') + '\n');
    await assert.rejects(
      importCostFile({ sql: t.sql, db: t.db }, orgId, Readable.from([body]), {
        fileName: 'progress.csv',
        format: 'auto',
        onProgress: () => {
          throw new Error('the progress bar broke');
        },
      }),
      /the progress bar broke/,
    );
    assert.deepEqual(await costState(orgId), state);
    const [failed] = await t.sql`select status, error from imports where org_id = ${orgId} and file_name = 'progress.csv'`;
    assert.equal(failed.status, 'FAILED');
    assert.match(failed.error, /the progress bar broke/);
  });

  test('an unknown format option or currency is refused before anything is recorded', async () => {
    const orgId = await newOrg('bad-opts');
    await assert.rejects(
      importCostFile({ sql: t.sql, db: t.db }, orgId, createReadStream(FOCUS), { fileName: 'x.csv', format: 'parquet' as 'auto' }),
      (e: unknown) => e instanceof AppError && e.code === 'BAD_USER_INPUT' && /format/.test(e.message),
    );
    await assert.rejects(
      importCostFile({ sql: t.sql, db: t.db }, orgId, createReadStream(FOCUS), { fileName: 'x.csv', format: 'auto', assumeCurrency: 'DOLLARS' }),
      (e: unknown) => e instanceof AppError && e.code === 'BAD_USER_INPUT' && /currency/.test(e.message),
    );
    const [{ n }] = await t.sql`select count(*)::int as n from imports where org_id = ${orgId}`;
    assert.equal(n, 0);
  });

  test("imports and their rejects are scoped to the organization", async () => {
    const a = await newOrg('scope-a');
    const b = await newOrg('scope-b');
    const report: CostImportReport = await importFile(a, createReadStream(EA_ACTUAL), 'a.csv');
    const ofA = new CostImportService(t.db, a, 500);
    const ofB = new CostImportService(t.db, b, 500);
    assert.equal((await ofA.get(report.importId)).id, report.importId);
    await assert.rejects(ofB.get(report.importId), (e: unknown) => e instanceof AppError && e.code === 'NOT_FOUND');
    assert.deepEqual((await ofB.list(50)).nodes, []);
    assert.deepEqual((await ofB.rejects(report.importId, 50)).nodes, []);
  });
});
