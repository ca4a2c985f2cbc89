import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openTrace } from '../../../src/ingest/nextflow/trace.js';
import { collect, splitTsv, streamOf, traceFixture } from './helpers.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;

/*
 * One task written twice, as Nextflow's default (human) and `trace.raw = true` formatters
 * would write it. Each raw value is computed here from its parts, not taken from the parser.
 */
const HUMAN_AND_RAW: [column: string, human: string, raw: string][] = [
  ['task_id', '7', '7'],
  ['hash', '3f/a9c2e1', '3f/a9c2e1'],
  ['native_id', '4e1c1a5e-0f7b-4c2e-9a51-1b2c3d4e5f60', '4e1c1a5e-0f7b-4c2e-9a51-1b2c3d4e5f60'],
  ['process', 'NFCORE_RNASEQ:ALIGN', 'NFCORE_RNASEQ:ALIGN'],
  ['module', '[samtools/1.9, star/2.7]', '[samtools/1.9, star/2.7]'],
  ['container', 'quay.io/biocontainers/star:2.7.10a', 'quay.io/biocontainers/star:2.7.10a'],
  ['tag', 'sample1', 'sample1'],
  ['name', 'NFCORE_RNASEQ:ALIGN (sample1)', 'NFCORE_RNASEQ:ALIGN (sample1)'],
  ['status', 'COMPLETED', 'COMPLETED'],
  ['exit', '0', '0'],
  ['submit', '2023-04-05 12:34:56.789', String(Date.UTC(2023, 3, 5, 12, 34, 56, 789))],
  ['start', '2023-04-05 12:35:00.000', String(Date.UTC(2023, 3, 5, 12, 35, 0, 0))],
  ['complete', '2023-04-05 13:37:03.250', String(Date.UTC(2023, 3, 5, 13, 37, 3, 250))],
  ['duration', '1h 2m 6s', String(1 * HOUR + 2 * MIN + 6 * SEC)],
  ['realtime', '1h 2m 3s', String(1 * HOUR + 2 * MIN + 3 * SEC)],
  ['%cpu', '398.5%', '398.5'],
  ['%mem', '12.5%', '12.5'],
  ['rss', '2 GB', String(2 * GB)],
  ['vmem', '3.5 GB', String(3.5 * GB)],
  ['peak_rss', '2.5 GB', String(2.5 * GB)],
  ['peak_vmem', '4 GB', String(4 * GB)],
  ['rchar', '43.5 KB', String(43.5 * KB)],
  ['wchar', '468 B', '468'],
  ['syscr', '1234', '1234'],
  ['syscw', '567', '567'],
  ['read_bytes', '512 MB', String(512 * MB)],
  ['write_bytes', '0', '0'],
  ['attempt', '2', '2'],
  ['workdir', 's3://bucket/work/3f/a9c2e1aaaa', 's3://bucket/work/3f/a9c2e1aaaa'],
  ['script', 'STAR --runThreadN 4', 'STAR --runThreadN 4'],
  ['scratch', '-', '-'],
  ['queue', 'spot-queue', 'spot-queue'],
  ['cpus', '4', '4'],
  ['memory', '16 GB', String(16 * GB)],
  ['disk', '100 GB', String(100 * GB)],
  ['time', '2h', String(2 * HOUR)],
  ['env', 'AWS_SECRET_ACCESS_KEY=do-not-keep', 'AWS_SECRET_ACCESS_KEY=do-not-keep'],
  ['error_action', '-', '-'],
  ['vol_ctxt', '310', '310'],
  ['inv_ctxt', '42', '42'],
  ['hostname', 'ip-10-0-1-23', 'ip-10-0-1-23'],
  ['cpu_model', 'Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz', 'Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz'],
];

function tsv(rows: string[][]): string {
  return rows.map((r) => r.join('\t')).join('\n') + '\n';
}

/** RFC 4180 CSV, as a spreadsheet would save it. */
function csv(rows: string[][], eol = '\n'): string {
  const cell = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(cell).join(',')).join(eol) + eol;
}

describe('trace written with trace.raw = true', () => {
  const header = HUMAN_AND_RAW.map(([c]) => c);
  const human = tsv([header, HUMAN_AND_RAW.map(([, h]) => h)]);
  const raw = tsv([header, HUMAN_AND_RAW.map(([, , r]) => r)]);

  it('gives the same record as the human-readable trace of the same task', async () => {
    const a = await collect((await openTrace(streamOf(human))).rows);
    const b = await collect((await openTrace(streamOf(raw))).rows);
    assert.deepEqual(a.rejected, []);
    assert.deepEqual(b.rejected, []);
    assert.equal(a.tasks.length, 1);
    assert.deepEqual(b.tasks, a.tasks);
  });

  it('holds the numbers of the raw columns', async () => {
    const { tasks } = await collect((await openTrace(streamOf(raw))).rows);
    const value = (c: string): string => HUMAN_AND_RAW.find(([name]) => name === c)![2];
    const r = tasks[0].record;
    assert.equal(r.taskId, 7);
    assert.equal(r.submit?.getTime(), Number(value('submit')));
    assert.equal(r.complete?.getTime(), Number(value('complete')));
    assert.equal(r.durationMs, Number(value('duration')));
    assert.equal(r.realtimeMs, Number(value('realtime')));
    assert.equal(r.pcpu, 398.5);
    assert.equal(r.vmem, Number(value('vmem')));
    assert.equal(r.rchar, Number(value('rchar')));
    assert.equal(r.memory, Number(value('memory')));
    assert.equal(r.time, Number(value('time')));
    assert.equal(r.cpus, 4);
    assert.equal(r.attempt, 2);
    assert.equal(r.syscr, 1234);
    assert.equal(r.volCtxt, 310);
    assert.deepEqual(r.module, ['samtools/1.9', 'star/2.7']);
    assert.equal(r.process, 'NFCORE_RNASEQ:ALIGN');
    assert.equal(r.tag, 'sample1');
    assert.equal(r.scratch, null);
    assert.equal(r.errorAction, null);
    assert.equal(r.cpuModel, value('cpu_model'));
    // env may hold credentials: recognised, never kept
    assert.ok(!JSON.stringify(r).includes('do-not-keep'));
  });

  it('takes an explicit "-" tag as authoritative instead of deriving one from the name', async () => {
    const rows = [header, HUMAN_AND_RAW.map(([c, h]) => (c === 'tag' ? '-' : h))];
    const { tasks } = await collect((await openTrace(streamOf(tsv(rows)))).rows);
    assert.equal(tasks[0].record.tag, null);
    assert.equal(tasks[0].record.process, 'NFCORE_RNASEQ:ALIGN');
  });
});

describe('reordered columns, aliases, CSV', () => {
  const original = splitTsv(traceFixture('execution_trace_2022-05-13.txt'));
  const sample = original.rows.slice(0, 60);
  const renamed: Record<string, string> = { task_id: 'Task ID', '%cpu': 'pcpu', peak_rss: 'Peak RSS', name: 'NAME', native_id: 'nativeId' };

  async function reference() {
    return (await collect((await openTrace(streamOf(tsv([original.header, ...sample])))).rows)).tasks.map((t) => t.record);
  }

  // reversed column order, renamed headers, plus a column Nextflow does not know whose
  // values need CSV quoting (commas, quotes, a line break)
  function variant(): string[][] {
    const order = original.header.map((_, i) => i).reverse();
    const head = [...order.map((i) => renamed[original.header[i]] ?? original.header[i]), 'cost_usd'];
    const body = sample.map((r, n) => [...order.map((i) => r[i]), n === 3 ? 'line one\nline "two"' : `1,${n}34.50`]);
    return [head, ...body];
  }

  it('maps aliases and reports unknown columns without failing', async () => {
    const { header } = await openTrace(streamOf(csv(variant())));
    assert.equal(header.delimiter, ',');
    assert.deepEqual(header.unknownColumns, ['cost_usd']);
    assert.deepEqual(header.columns, [...original.header].reverse().concat('cost_usd'));
    assert.equal(header.rawColumns[header.rawColumns.length - 2], 'Task ID');
  });

  it('reads a reordered, aliased CSV to the same records as the original TSV', async () => {
    const expected = await reference();
    const { tasks, rejected } = await collect((await openTrace(streamOf(csv(variant())))).rows);
    assert.deepEqual(rejected, []);
    assert.deepEqual(tasks.map((t) => t.record), expected);
    // the quoted line break in row 4 (line 5) shifts every later row down one physical line
    assert.deepEqual(tasks.slice(0, 6).map((t) => t.line), [2, 3, 4, 5, 7, 8]);
  });

  it('reads the same with CRLF line ends and a byte-order mark, in tiny chunks', async () => {
    const expected = await reference();
    const text = '\uFEFF' + csv(variant(), '\r\n');
    const { tasks, rejected } = await collect((await openTrace(streamOf(text, 3))).rows);
    assert.deepEqual(rejected, []);
    assert.deepEqual(tasks.map((t) => t.record), expected);
  });

  it('reads a tab-separated file with aliases and reordered columns too', async () => {
    const expected = await reference();
    const rows = variant().map((r) => r.map((v) => v.replace(/\n/g, ' ')));
    const { header, rows: items } = await openTrace(streamOf(tsv(rows)));
    assert.equal(header.delimiter, '\t');
    assert.deepEqual((await collect(items)).tasks.map((t) => t.record), expected);
  });

  it('reads a trace with only some of the fields (trace.fields)', async () => {
    const text = 'name\ttask_id\trealtime\n' + 'FASTQC (s1)\t3\t1m 1s\n' + 'MULTIQC\t4\t250ms\n';
    const { tasks } = await collect((await openTrace(streamOf(text))).rows);
    assert.deepEqual(tasks.map((t) => [t.record.taskId, t.record.process, t.record.tag, t.record.realtimeMs, t.record.status]),
      [[3, 'FASTQC', 's1', 61_000, null], [4, 'MULTIQC', null, 250, null]]);
  });
});

describe('streaming', () => {
  const LINES = 1_000_000;
  // few columns: this is about memory, the per-field parsing is tested elsewhere
  const HEADER = 'task_id\tname\tstatus\trealtime\n';
  const line = (i: number): string => `${i}\tALIGN (s${i})\tCOMPLETED\t16.2s\n`;

  /** Produces a 1,000,000-line trace lazily, counting how far the reader has pulled it. */
  function lazyTrace(progress: { lines: number }): Readable {
    return Readable.from((function* () {
      let chunk = HEADER;
      for (let i = 1; i <= LINES; i++) {
        chunk += line(i);
        progress.lines = i;
        if (chunk.length >= 16 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      yield chunk;
    })());
  }

  it('yields the first row long before the input has been produced', async () => {
    const progress = { lines: 0 };
    const input = lazyTrace(progress);
    const { rows } = await openTrace(input);
    const first = await rows.next();
    assert.equal(first.done, false);
    assert.ok(progress.lines < 10_000, `reader pulled ${progress.lines} lines before the first row`);
    // stopping early releases the input
    await rows.return(undefined);
    assert.equal(input.destroyed, true);
  });

  it('reads 1,000,000 lines without holding them in memory', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let growth = 0;
    let count = 0;
    let realtime = 0;
    const { rows } = await openTrace(lazyTrace({ lines: 0 }));
    for await (const item of rows) {
      assert.equal(item.kind, 'task');
      if (item.kind !== 'task') continue;
      count++;
      realtime += item.record.realtimeMs ?? 0;
      if (count % 200_000 === 0) {
        gc();
        growth = Math.max(growth, process.memoryUsage().heapUsed - before);
      }
    }
    assert.equal(count, LINES);
    assert.equal(realtime, LINES * 16_200);
    // a million retained records would be hundreds of MB
    assert.ok(growth < 32 * 1024 * 1024, `heap grew by ${(growth / 1024 / 1024).toFixed(1)} MiB`);
  });
});
