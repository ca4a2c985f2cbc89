import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { fixturePath } from '../../support/fixtures.js';
import { openTrace } from '../../../src/ingest/nextflow/trace.js';
import { collect, naiveBytes, naiveMs, naiveUtc, splitTsv, TRACE_FILES, traceFixture } from './helpers.js';

// What SOURCE.txt documents for each file, as a check independent of both parser and test code.
const DOCUMENTED: Record<string, { tasks: number; COMPLETED?: number; FAILED?: number }> = {
  'execution_trace_2021-03-04.txt': { tasks: 217 },
  'execution_trace_2022-05-13.txt': { tasks: 864, COMPLETED: 852, FAILED: 12 },
  'execution_trace_2022-05-15.txt': { tasks: 1368, COMPLETED: 852, FAILED: 516 },
};

function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

for (const file of TRACE_FILES) {
  describe(`real trace ${file}`, () => {
    const text = traceFixture(file);
    const { header, rows } = splitTsv(text);
    const col = (name: string): number => {
      const i = header.indexOf(name);
      assert.ok(i >= 0, `fixture has no ${name} column`);
      return i;
    };
    // the process is the part of the name before " (" - plain string work, no regex
    const processOf = (name: string): string => (name.includes(' (') ? name.slice(0, name.indexOf(' (')) : name);

    it('parses every line, none rejected, in file order with the right line numbers', async () => {
      const opened = await openTrace(createReadStream(fixturePath('nextflow-traces', 'openproblems', file)));
      assert.deepEqual(opened.header.rawColumns, header);
      assert.deepEqual(opened.header.unknownColumns, []);
      assert.equal(opened.header.delimiter, '\t');
      const { tasks, rejected } = await collect(opened.rows);
      assert.deepEqual(rejected, []);
      assert.equal(tasks.length, rows.length);
      assert.equal(tasks.length, DOCUMENTED[file].tasks);
      tasks.forEach((t, i) => {
        assert.equal(t.line, i + 2);
        assert.equal(t.record.taskId, Number(rows[i][col('task_id')]));
      });
    });

    it('has the per-process task counts, status counts and summed realtime of the raw file', async () => {
      const { tasks } = await collect((await openTrace(createReadStream(fixturePath('nextflow-traces', 'openproblems', file)))).rows);
      const records = tasks.map((t) => t.record);

      const expectedByProcess = countBy(rows, (r) => processOf(r[col('name')]));
      assert.deepEqual(countBy(records, (r) => r.process ?? '?'), expectedByProcess);

      const expectedByStatus = countBy(rows, (r) => r[col('status')]);
      assert.deepEqual(countBy(records, (r) => r.status ?? '?'), expectedByStatus);
      for (const status of ['COMPLETED', 'FAILED'] as const) {
        const documented = DOCUMENTED[file][status];
        if (documented !== undefined) assert.equal(expectedByStatus.get(status), documented);
      }

      const expectedRealtime = rows.reduce((sum, r) => sum + naiveMs(r[col('realtime')]), 0);
      assert.equal(records.reduce((sum, r) => sum + (r.realtimeMs ?? 0), 0), expectedRealtime);
      const expectedDuration = rows.reduce((sum, r) => sum + naiveMs(r[col('duration')]), 0);
      assert.equal(records.reduce((sum, r) => sum + (r.durationMs ?? 0), 0), expectedDuration);
    });

    it('reads every value of every row the way the raw text says', async () => {
      const { tasks } = await collect((await openTrace(createReadStream(fixturePath('nextflow-traces', 'openproblems', file)))).rows);
      const orNull = <T>(v: string, f: (s: string) => T): T | null => (v === '-' ? null : f(v));
      tasks.forEach(({ record }, i) => {
        const r = rows[i];
        const name = r[col('name')];
        assert.equal(record.hash, r[col('hash')]);
        assert.equal(record.nativeId, r[col('native_id')]);
        assert.equal(record.name, name);
        assert.equal(record.process, processOf(name));
        assert.equal(record.tag, name.includes(' (') ? name.slice(name.indexOf(' (') + 2, -1) : null);
        assert.equal(record.exit, orNull(r[col('exit')], Number));
        assert.equal(record.submit?.getTime(), naiveUtc(r[col('submit')]));
        assert.equal(record.pcpu, orNull(r[col('%cpu')], (s) => parseFloat(s)));
        assert.equal(record.peakRss, orNull(r[col('peak_rss')], naiveBytes));
        assert.equal(record.peakVmem, orNull(r[col('peak_vmem')], naiveBytes));
        assert.equal(record.rchar, orNull(r[col('rchar')], naiveBytes));
        assert.equal(record.wchar, orNull(r[col('wchar')], naiveBytes));
        // columns the default trace does not have stay null
        assert.equal(record.start, null);
        assert.equal(record.memory, null);
        assert.equal(record.cpus, null);
      });
    });
  });
}

describe('real traces in another time zone', () => {
  it('shifts every submit time by the zone offset', async () => {
    const file = 'execution_trace_2022-05-13.txt';
    const utc = await collect((await openTrace(createReadStream(fixturePath('nextflow-traces', 'openproblems', file)))).rows);
    const la = await collect((await openTrace(createReadStream(fixturePath('nextflow-traces', 'openproblems', file)), { timeZone: 'America/Los_Angeles' })).rows);
    assert.equal(la.tasks.length, utc.tasks.length);
    // May is PDT, UTC-7: the same wall clock in LA is 7 hours later in UTC
    la.tasks.forEach((t, i) => assert.equal(t.record.submit!.getTime() - utc.tasks[i].record.submit!.getTime(), 7 * 3600 * 1000));
  });
});
